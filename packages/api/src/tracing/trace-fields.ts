import type { SpanContext } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';

/** The ids a request's log lines carry, named as OpenTelemetry's log data model names them. */
export interface TraceFields {
  readonly trace_id: string;
  readonly span_id: string;
}

/**
 * Set by the request span's hook (tracing-sdk.ts) for a sampled span, read by the tracing plugin to
 * bind the ids to the request's logger. A symbol property, so nothing is added to requests when
 * tracing is off.
 */
const kTraceFields = Symbol('taskboard trace fields');

type WithTraceFields = FastifyRequest & { [kTraceFields]?: TraceFields };

/** W3C trace-flags bit 0: the span is sampled, so its trace exists somewhere to be looked up. */
const SAMPLED = 1;

export function rememberTraceIds(request: FastifyRequest, span: SpanContext): void {
  // An unsampled trace is never exported: an id in the log would point at nothing.
  if ((span.traceFlags & SAMPLED) === 0) return;
  (request as WithTraceFields)[kTraceFields] = { trace_id: span.traceId, span_id: span.spanId };
}

/** The request span's ids, or undefined when tracing is off or the request's trace is not sampled. */
export function traceFieldsOf(request: FastifyRequest): TraceFields | undefined {
  return (request as WithTraceFields)[kTraceFields];
}
