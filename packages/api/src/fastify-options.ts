import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config.ts';
import { ROUTER_OPTIONS } from './http/allowed-methods.ts';
import { replyFields, requestFields, scrubbing, scrubLogFields } from './http/log-redaction.ts';
import { HttpProblem } from './http/problem.ts';
import { stagePrefixRewriter } from './http/stage-prefix.ts';
import type { DeferredCompilations } from './plugins/deferred-compilation.ts';
import { sendProblem } from './plugins/errors.ts';
import { OneLinePerRequest } from './plugins/request-log.ts';
import { buildMemoisedSerializerFactory } from './plugins/serialization.ts';
import { buildValidatorFactory } from './plugins/validation.ts';

/**
 * Headers that must never reach a log line, as pino `redact` paths: for a pino logger of your own
 * passed to `buildApp`. The api's own (`loggerOptions`) needs no redaction paths: it scrubs these
 * and every other secret field in its serializers and `formatters.log` (http/log-redaction.ts).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/** A pino serializer: what a log field's value is written as. */
type Serializer = (value: never) => unknown;

/**
 * The api's pino options: JSON lines at `level`, every field scrubbed of secrets, `req` and `res`
 * after their serializers (ours write Fastify's fields, no header), everything else before pino
 * writes it. Tests pass a stream, and serializers of their own, which are scrubbed alike.
 */
export function loggerOptions(
  level: string,
  options: { readonly stream?: NodeJS.WritableStream; readonly serializers?: Record<string, Serializer> } = {},
) {
  const serializers: Record<string, Serializer> = {
    req: requestFields,
    res: replyFields,
    ...options.serializers,
  };
  return {
    level,
    ...(options.stream === undefined ? {} : { stream: options.stream }),
    serializers: Object.fromEntries(
      Object.entries(serializers).map(([field, write]) => [
        field,
        scrubbing((value: unknown) => write(value as never)),
      ]),
    ),
    formatters: { log: scrubLogFields },
  };
}

/** Fastify's types omit the hop count proxy-addr accepts; a hop count is "trust the first n hops". */
function trustProxyOption(trust: AppConfig['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (trust === undefined) return false;
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return [...trust];
}

/**
 * The server's options: logging and redaction, proxies, request ids, timeouts, routing, compilers
 * (which compile each schema on first use or in `compilations`' warm-up).
 */
export function fastifyOptions(
  config: AppConfig,
  compilations: DeferredCompilations,
  logger?: FastifyServerOptions['logger'],
): FastifyServerOptions {
  return {
    logger: logger ?? loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    // Who may say, in X-Forwarded-For, which client address a request is limited by (TRUST_PROXY).
    // Unset: nobody, request.ip is the socket peer.
    trustProxy: trustProxyOption(config.trustProxy),
    // Always ours: a caller's x-request-id is logged next to it (clientRequestId), never instead of it,
    // so two callers sending the same value still get two request ids.
    genReqId: () => randomUUID(),
    // Slow or stalled clients must not hold connections forever.
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    // Longer than the load balancer's idle timeout (60 s), so it never reuses a socket we closed.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    routerOptions: { ...ROUTER_OPTIONS },
    ...(config.stagePrefix ? { rewriteUrl: stagePrefixRewriter(config.stagePrefix) } : {}),
    // Fastify's types for compiler factories are narrower than what it calls them with.
    schemaController: {
      compilersFactory: {
        buildValidator: buildValidatorFactory(compilations) as never,
        buildSerializer: buildMemoisedSerializerFactory(compilations) as never,
      },
    },
    logController: new OneLinePerRequest({
      requestIdLogLabel: 'requestId',
      recordClientRequestId: config.trustRequestId,
    }),
    // Router-level rejections (over-long parameters, malformed URL encoding) never reach the
    // error handler; answer them as problem+json too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id); // onRequest hooks do not run for these
      sendProblem(
        request,
        reply,
        new HttpProblem('validation', 'The request URL is not valid', {
          errors: [{ path: '/path', message: error.message }],
        }),
      );
    },
  };
}
