import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const IDEMPOTENCY_SWEEP_MS = 10 * 60_000;

/**
 * Deletes expired Idempotency-Key records every 10 minutes while the app runs (a replay already
 * ignores an expired one; this keeps the table small). The timer never keeps the process alive,
 * and a failed sweep is logged and tried again next time.
 */
export const idempotencySweepPlugin = fp(
  async (app: FastifyInstance) => {
    const { idempotency } = app.services;
    const sweep = setInterval(() => {
      idempotency.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'idempotency key sweep failed'));
    }, IDEMPOTENCY_SWEEP_MS);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'idempotency-sweep', dependencies: ['services'] },
);
