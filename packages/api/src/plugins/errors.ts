import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorObject } from 'ajv';
import { HttpProblem } from '../http/problem.ts';
import { AllowedMethods } from '../http/allowed-methods.ts';
import { pathOf } from '../http/request-path.ts';
import { fieldErrors, MAX_FIELD_ERRORS } from './validation.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** The `type` of the problem this reply answered with, or null (read by the metrics plugin). */
    problemType: string | null;
  }
}

/** Maps Fastify's own error codes for bad input to problems (never a 5xx for bad input). */
function fromFastifyError(error: FastifyError): HttpProblem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpProblem('malformedJson', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem('payloadTooLarge', 'The request body is larger than this API accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem('unsupportedMediaType', 'Send the body as application/json');
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new HttpProblem('unsupportedMediaType', 'The Content-Type header is not valid');
    default:
      break;
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Other client errors Fastify detects (e.g. a bad URL encoding): keep the status, generic wording.
    const kind = error.statusCode === 404 ? 'notFound' : error.statusCode === 413 ? 'payloadTooLarge' : 'validation';
    return new HttpProblem(kind, 'The request could not be processed as sent', { status: error.statusCode });
  }
  return undefined;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  const body = problem.toBody(request.id, pathOf(request));
  reply.problemType = body.type;
  if (problem.status === 401) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
  }
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.code(problem.status).type('application/problem+json').send(body);
}

/**
 * One place that turns every error into application/problem+json (RFC 9457): validation
 * errors with per-field details, our HttpProblems as they are, and anything unexpected as a
 * 500 whose body carries no internals (the log has them, under the request id).
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateReply('problemType', null);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) return sendProblem(request, reply, error);
      if (error.validation) {
        const all = fieldErrors(error.validationContext ?? 'body', error.validation as ErrorObject[]);
        const first = all[0];
        // Capped: a body of thousands of unknown keys must not produce an error body larger than itself.
        const errors = all.slice(0, MAX_FIELD_ERRORS);
        const omitted = all.length - errors.length;
        const detail =
          (first ? `${first.path} ${first.message}` : 'The request is not valid') +
          (omitted > 0 ? ` (${all.length} errors; the first ${errors.length} are listed)` : '');
        return sendProblem(request, reply, new HttpProblem('validation', detail, { errors }));
      }
      const mapped = fromFastifyError(error);
      if (mapped) return sendProblem(request, reply, mapped);
      if (error.statusCode === 503 || isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'dependency unavailable');
        return sendProblem(
          request,
          reply,
          new HttpProblem('unavailable', 'Try again shortly', { headers: { 'retry-after': '5' } }),
        );
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(request, reply, new HttpProblem('internal', 'The server could not complete the request'));
    });

    // Registered before the routes, so it sees every one of them.
    const allowed = new AllowedMethods();
    app.addHook('onRoute', (route) => allowed.add(route.method, route.url));

    app.setNotFoundHandler((request, reply) => {
      const path = pathOf(request);
      const methods = allowed.of(path);
      if (methods.length > 0) {
        const problem = new HttpProblem('methodNotAllowed', `${request.method} is not allowed on ${path}`, {
          headers: { allow: methods.join(', ') },
        });
        return sendProblem(request, reply, problem);
      }
      return sendProblem(request, reply, new HttpProblem('notFound', `No route for ${request.method} ${path}`));
    });
  },
  { name: 'errors' },
);
