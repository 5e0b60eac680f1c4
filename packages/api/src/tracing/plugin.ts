import fp from 'fastify-plugin';
import { requestSpanPlugin } from './request-span.ts';
import { activeTracing } from './start-tracing.ts';

/**
 * Registered first by buildApp. With tracing started in this process (start-tracing.ts): the request
 * span plugin, whose span then covers every hook and route registered after it, and for a sampled
 * request its trace_id and span_id (the names of OpenTelemetry's log data model) bound to the
 * request's logger, so every line the request logs, its completion line included (request-log.ts),
 * points at the trace. An unsampled trace is never exported, so its ids would point at nothing and
 * are left out. A failed span export or a dropped span is a warning in the app's log
 * (tracing-problems.ts). Without tracing, nothing.
 */
export const tracingPlugin = fp(
  async (app) => {
    const tracing = activeTracing();
    if (tracing === undefined) return;
    // Process-wide, like the SDK's handlers: the log of the last app built (in production the only one).
    tracing.reportProblems(app.log);
    await app.register(requestSpanPlugin, {
      tracer: tracing.requestTracer,
      sample: tracing.sampleRequest,
      onSampled: (request, reply, span) => {
        const { traceId, spanId } = span.spanContext();
        const bindings = { trace_id: traceId, span_id: spanId };
        // Added to the request's own logger (Fastify makes one child per request) rather than to a
        // child of it: a pino child is an object whose prototype is its parent, so a child per
        // sampled request gave V8 a new prototype, hidden class and megamorphic log call sites
        // each time (a profile showed it in pino's write and in GC; docs/benchmarks.md).
        const log = request.log as typeof request.log & { setBindings?: (bindings: object) => void };
        if (typeof log.setBindings === 'function') return log.setBindings(bindings);
        request.log = request.log.child(bindings);
        reply.log = request.log;
      },
    });
  },
  { name: 'taskboard-tracing' },
);
