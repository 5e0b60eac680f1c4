import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { clientRequestIdOf } from '../http/request-id.ts';
import { requestOperation } from '../metrics/operation.ts';

export interface OneLinePerRequestOptions {
  /** Field name of the request id. @default 'reqId' */
  readonly requestIdLogLabel?: string;
  /** Record the caller's own `x-request-id` as `clientRequestId` (TRUST_REQUEST_ID). @default false */
  readonly recordClientRequestId?: boolean;
}

/**
 * One log line per request, written when it completes, carrying the request (method, url,
 * request id, `operation`), who made it (`sub` of the verified token, absent when none verified), the caller's
 * own `x-request-id` if any, and the outcome; a traced request's logger also carries `trace_id` and
 * `span_id` (tracing/plugin.ts), so this line and every other line of the request have them.
 * Fastify's default writes two lines, each through redaction, which the benchmark profile showed
 * as a visible share of a request's CPU.
 */
export class OneLinePerRequest extends LogController {
  private readonly recordClientRequestId: boolean;

  constructor(options: OneLinePerRequestOptions = {}) {
    super(options);
    this.recordClientRequestId = options.recordClientRequestId ?? false;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      req: request,
      res: reply,
      responseTime: reply.elapsedTime,
      // The metrics' Operation dimension (operationId, route URL or `unmatched`): joins this line to them.
      operation: requestOperation(request),
      // `principal` is null until a token verified (health checks, rejected tokens).
      sub: (request.principal as FastifyRequest['principal'] | null)?.userId,
      clientRequestId: this.recordClientRequestId ? clientRequestIdOf(request) : undefined,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
