import { DiagLogLevel, diag, type Exception } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import type { FastifyBaseLogger } from 'fastify';

/** At most one warning of a kind per interval; the ones in between are counted into the next. */
export const TRACING_WARNING_INTERVAL_MS = 60_000;

export interface TracingProblemsOptions {
  readonly intervalMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/**
 * Makes OpenTelemetry's own problems visible in the service log, which nothing did before: a
 * failed span export (the agent down, its OTLP receiver refusing, a timeout) reaches the SDK's
 * global error handler, and a dropped span (the batch queue full) its `diag` logger, and both
 * default to nothing anyone reads, so traces stopped with no sign. Now each becomes a warning:
 * `traces not exported` with the error, `tracing problem` with the SDK's message.
 *
 * Throttled, because a down agent fails an export every 5 s (the batch processor's delay) and an
 * on-call engineer needs the first line and a count, not a line per batch: a kind logs at once, then
 * at most once per interval, with `suppressed`, the number not logged since its last line. The
 * SDK's extra `diag` arguments are dropped: they can carry an exporter's configuration (headers
 * may hold credentials). Process-wide (OpenTelemetry's handlers are globals); the returned function
 * puts the defaults back.
 */
export function reportTracingProblems(log: FastifyBaseLogger, options: TracingProblemsOptions = {}): () => void {
  const exportFailed = throttled(log, 'traces not exported', options);
  const sdkProblem = throttled(log, 'tracing problem', options);
  // The batch processor hands this handler the export's error; our processors report nothing else.
  setGlobalErrorHandler((exception: Exception) => exportFailed({ err: asError(exception) }));
  const warn = (message: string): void => sdkProblem({ detail: message });
  diag.setLogger(
    { error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return () => {
    setGlobalErrorHandler(loggingErrorHandler());
    diag.disable();
  };
}

function throttled(
  log: FastifyBaseLogger,
  message: string,
  { intervalMs = TRACING_WARNING_INTERVAL_MS, now = Date.now }: TracingProblemsOptions,
): (fields: Record<string, unknown>) => void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (fields) => {
    const at = now();
    if (at - lastLogged < intervalMs) {
      suppressed += 1;
      return;
    }
    lastLogged = at;
    log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
    suppressed = 0;
  };
}

function asError(exception: Exception): Error {
  if (exception instanceof Error) return exception;
  if (typeof exception === 'string') return new Error(exception);
  return new Error(exception.message ?? exception.name ?? String(exception.code ?? 'unknown OpenTelemetry error'));
}
