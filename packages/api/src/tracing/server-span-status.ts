import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * "For HTTP status codes in the 4xx range span status MUST be left unset in case of SpanKind.SERVER"
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status): a 404 or a 412 is the
 * client's mistake, not a failure of the service, and X-Ray or any backend counting error spans
 * would otherwise report every refused request as a fault. @fastify/otel sets ERROR for every error
 * a route throws, our 4xx problems included, and the SDK cannot set a status back to unset, so the
 * exported copy of such a span says UNSET (its exception event stays). 5xx keep ERROR.
 */
export function withHttpServerStatus(inner: SpanExporter): SpanExporter {
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      inner.export(spans.map(serverStatusView), resultCallback);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function serverStatusView(span: ReadableSpan): ReadableSpan {
  if (span.kind !== SpanKind.SERVER || span.status.code !== SpanStatusCode.ERROR) return span;
  const status = span.attributes['http.response.status_code'];
  if (typeof status !== 'number' || status < 400 || status >= 500) return span;
  // Everything else read through the original span (its fields and methods, e.g. spanContext()).
  return Object.create(span, { status: { value: { code: SpanStatusCode.UNSET }, enumerable: true } }) as ReadableSpan;
}
