/**
 * The /health/serving start-up gate across cluster workers (docs/decisions/0004): a worker reports
 * the moment its gate opens, and a worker restarted on an instance that already passed readiness
 * starts with its gate open, so a restart during a database outage does not fail the load
 * balancer's checks (and get the instance replaced for an outage).
 */
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { createTestDatabase, json, testConfig, type Tap } from '../helpers/stack.ts';

const UNREACHABLE = 'postgresql://postgres:x@127.0.0.1:1/none';

async function appWithoutDatabase(t: Tap, startedBefore: boolean) {
  const app = await buildApp({
    config: testConfig(UNREACHABLE, { databaseConnectTimeoutMs: 1_000 }),
    logger: false,
    servingGate: { startedBefore },
  });
  t.teardown(() => app.close());
  return app;
}

t.test('a worker restarted after the instance started serves at once, even with the database down', async (t) => {
  const restarted = await appWithoutDatabase(t, true);
  const serving = await restarted.inject({ method: 'GET', url: '/health/serving' });
  t.equal(serving.statusCode, 200);
  t.same(json(serving).checks, { started: true, draining: false });
  t.equal((await restarted.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'readiness still tells');

  const first = await appWithoutDatabase(t, false);
  t.equal(
    (await first.inject({ method: 'GET', url: '/health/serving' })).statusCode,
    503,
    'a first start must prove itself',
  );
});

t.test('the gate reports opening exactly once', async (t) => {
  let reports = 0;
  const app = await buildApp({
    config: testConfig(await createTestDatabase(t)),
    logger: false,
    servingGate: { onStarted: () => reports++ },
  });
  t.teardown(() => app.close());
  t.equal(reports, 0, 'not before a check passed');
  t.equal((await app.inject({ method: 'GET', url: '/health/serving' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/health/serving' })).statusCode, 200);
  t.equal(reports, 1);
});
