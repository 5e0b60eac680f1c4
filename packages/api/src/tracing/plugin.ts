import fp from 'fastify-plugin';
import { activeTracing } from './start-tracing.ts';
import { traceFieldsOf } from './trace-fields.ts';

/**
 * Registered first by buildApp. With tracing started in this process (start-tracing.ts): the
 * @fastify/otel plugin, whose request span then covers every hook and route registered after it,
 * and a hook binding the span's trace_id and span_id to the request's logger, so every line the
 * request logs, its one completion line included (request-log.ts), carries them. Otherwise nothing.
 */
export const tracingPlugin = fp(
  async (app) => {
    const tracing = activeTracing();
    if (tracing === undefined) return;
    await app.register(tracing.fastifyPlugin);
    app.addHook('onRequest', async (request, reply) => {
      const fields = traceFieldsOf(request);
      if (fields === undefined) return;
      request.log = request.log.child(fields);
      reply.log = request.log;
    });
  },
  { name: 'taskboard-tracing' },
);
