import fp from 'fastify-plugin';
import { requestSpanPlugin } from './request-span.ts';
import { activeTracing } from './start-tracing.ts';

/**
 * Registered first by buildApp. With tracing started in this process (start-tracing.ts): the request
 * span plugin, whose span then covers every hook and route registered after it, and for a sampled
 * request its trace_id and span_id (the names of OpenTelemetry's log data model) bound to the
 * request's logger, so every line the request logs, its completion line included (request-log.ts),
 * points at the trace. An unsampled trace is never exported, so its ids would point at nothing and
 * are left out. Without tracing, nothing.
 */
export const tracingPlugin = fp(
  async (app) => {
    const tracing = activeTracing();
    if (tracing === undefined) return;
    await app.register(requestSpanPlugin, {
      tracer: tracing.requestTracer,
      sample: tracing.sampleRequest,
      onSampled: (request, reply, span) => {
        const { traceId, spanId } = span.spanContext();
        request.log = request.log.child({ trace_id: traceId, span_id: spanId });
        reply.log = request.log;
      },
    });
  },
  { name: 'taskboard-tracing' },
);
