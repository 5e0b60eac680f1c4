import { mock } from 'node:test';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import t from 'tap';
import { idempotencySweepPlugin } from '../src/plugins/idempotency-sweep.ts';
import type { IdempotencyStore } from '../src/services/idempotency.ts';
import { captureLog } from './helpers/captured-log.ts';

const TEN_MINUTES = 10 * 60_000;

/** An app with only the sweep plugin, over a store whose sweep() the test decides. */
async function appWithSweep(sweep: () => Promise<number>) {
  const log = captureLog();
  const app = Fastify({ logger: { level: 'warn', stream: log.stream } });
  const idempotency = { sweep } as unknown as IdempotencyStore;
  await app.register(
    fp(
      async (scope) => {
        scope.decorate('services', { idempotency } as never);
      },
      { name: 'services' },
    ),
  );
  await app.register(idempotencySweepPlugin);
  await app.ready();
  return { app, log };
}

t.test('expired idempotency keys are swept every 10 minutes, until the app closes', async (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.teardown(() => mock.timers.reset());
  let sweeps = 0;
  const { app } = await appWithSweep(async () => ++sweeps);
  mock.timers.tick(TEN_MINUTES - 1);
  t.equal(sweeps, 0, 'not before 10 minutes');
  mock.timers.tick(1);
  mock.timers.tick(TEN_MINUTES);
  t.equal(sweeps, 2);
  await app.close();
  mock.timers.tick(TEN_MINUTES);
  t.equal(sweeps, 2, 'no sweep after close');
});

t.test('a failed sweep is logged as a warning and tried again next time', async (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.teardown(() => mock.timers.reset());
  let attempts = 0;
  const { app, log } = await appWithSweep(async () => {
    attempts += 1;
    throw new Error('database unavailable');
  });
  mock.timers.tick(TEN_MINUTES);
  mock.timers.tick(TEN_MINUTES);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(attempts, 2);
  const warnings = log.lines.filter((line) => line.msg === 'idempotency key sweep failed');
  t.equal(warnings.length, 2);
  t.match(warnings[0], { level: 40, err: { message: 'database unavailable' } });
  await app.close();
});
