import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { authHeader, createTestDatabase, json, testConfig } from '../helpers/stack.ts';

t.test(
  'a stalled event loop sheds requests with 503 + Retry-After; health stays answerable and readiness reports it',
  async (t) => {
    const overload = {
      maxEventLoopDelayMs: 100,
      maxEventLoopUtilization: 0,
      maxHeapUsedBytes: 0,
      maxRssBytes: 0,
      retryAfterSeconds: 7,
    };
    const app = await buildApp({
      config: testConfig(await createTestDatabase(t), { overload }),
      logger: false,
      overloadSampleIntervalMs: 100,
    });
    t.teardown(() => app.close());
    await app.ready();
    const headers = await authHeader('alice');
    // Start-up work on a shared machine can itself count as pressure: wait for calm first.
    for (let i = 0; i < 50 && app.overloaded(); i++) await sleep(100);
    const calm = await app.inject({ method: 'GET', url: '/health/ready' });
    t.equal(calm.statusCode, 200);
    t.same(json(calm).checks, { database: 'ok', migrations: 'ok', draining: false, overloaded: false });

    // Stall the loop well past the threshold; the next sample (every 100 ms here) sees it.
    const busyUntil = Date.now() + 1_500;
    while (Date.now() < busyUntil) {
      /* busy */
    }
    for (let i = 0; i < 20 && !app.overloaded(); i++) await sleep(5);
    t.ok(app.overloaded(), `under pressure: ${JSON.stringify(app.memoryUsage())}`);
    // All at once, before the next sample clears the state.
    const [shed, ready, live] = await Promise.all([
      app.inject({ method: 'GET', url: '/v1/projects', headers }),
      app.inject({ method: 'GET', url: '/health/ready' }),
      app.inject({ method: 'GET', url: '/health/live' }),
    ]);
    t.equal(shed.statusCode, 503);
    t.equal(shed.headers['retry-after'], '7');
    t.match(shed.headers['content-type'], /application\/problem\+json/);
    t.match(json(shed), { type: '/problems/unavailable', status: 503 });
    t.equal(live.statusCode, 200, 'liveness is not shed');
    t.equal(ready.statusCode, 503);
    t.same(json(ready), {
      status: 'unavailable',
      checks: { database: 'skipped', migrations: 'skipped', draining: false, overloaded: true },
    });
  },
);
