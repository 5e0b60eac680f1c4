import type { LightMyRequestResponse } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildGuardedApp, buildSheddingApp, busyFor, stallEventLoop } from '../helpers/overload.ts';
import { authHeader, json } from '../helpers/stack.ts';

t.test(
  'a stalled event loop sheds requests with 503 + Retry-After; health stays answerable and readiness reports it',
  async (t) => {
    // Signing in first: it is start-up work too, and buildSheddingApp waits for calm after it.
    const headers = await authHeader('alice');
    const app = await buildSheddingApp(t);
    const calm = await app.inject({ method: 'GET', url: '/health/ready' });
    t.equal(calm.statusCode, 200);
    t.same(json(calm).checks, { database: 'ok', migrations: 'ok', draining: false, overloaded: false });

    // The state is sampled every 100 ms: on a loaded machine a stall can fall between samples, or the
    // three requests land after the sample that clears it. Such an attempt is repeated (3 at most).
    let probes:
      { shed: LightMyRequestResponse; ready: LightMyRequestResponse; live: LightMyRequestResponse } | undefined;
    for (let attempt = 0; attempt < 3 && probes === undefined; attempt++) {
      await stallEventLoop(app);
      if (!app.overloaded()) {
        t.comment(
          `attempt ${attempt + 1}: the stall was not sampled as pressure: ${JSON.stringify(app.memoryUsage())}`,
        );
        continue;
      }
      // All at once, before the next sample clears the state.
      const [shed, ready, live] = await Promise.all([
        app.inject({ method: 'GET', url: '/v1/projects', headers }),
        app.inject({ method: 'GET', url: '/health/ready' }),
        app.inject({ method: 'GET', url: '/health/live' }),
      ]);
      if ((json(ready).checks as { overloaded?: boolean } | undefined)?.overloaded === true)
        probes = { shed, ready, live };
    }
    if (probes === undefined) return t.fail('no attempt reached readiness while overloaded');
    const { shed, ready, live } = probes;
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

t.test("the schema warm-up's own load is not shed; the guard holds again two sample intervals after it", async (t) => {
  const headers = await authHeader('alice');
  // Utilisation, not delay: a warm-up is many short compilations, so it keeps the loop busy without
  // stalling it, which is what trips the default guard (OVERLOAD_MAX_EVENT_LOOP_UTILIZATION 0.98).
  const app = await buildGuardedApp(t, { maxEventLoopUtilization: 0.9 });
  // A warm-up on a busy CPU: beside the routes' own schemas, 150 compilations of 10 ms each.
  for (let i = 0; i < 150; i++) app.schemaCompilations.defer(() => busyFor(10));
  const warmUp = app.schemaCompilations.warmUp();
  for (let i = 0; i < 100 && !app.isUnderPressure(); i++) await sleep(5);
  t.ok(app.isUnderPressure(), 'the warm-up was sampled as pressure');
  const [duringWarmUp, readyDuringWarmUp] = await Promise.all([
    app.inject({ method: 'GET', url: '/v1/projects', headers }),
    app.inject({ method: 'GET', url: '/health/ready' }),
  ]);
  t.ok(app.schemaCompilations.stats().pending > 0, 'the warm-up was still running');
  t.equal(duringWarmUp.statusCode, 200, 'not shed');
  t.match(json(readyDuringWarmUp).checks, { overloaded: false });

  await warmUp;
  await sleep(250);
  t.notOk(app.schemaCompilations.warmingUpWithin(200), 'two sample intervals after the warm-up');
  // The same load, not a warm-up: 10 ms of work per turn for up to 2 s, until it is shed.
  let shed: LightMyRequestResponse | undefined;
  for (const until = performance.now() + 2_000; performance.now() < until && shed === undefined;) {
    busyFor(10);
    await new Promise((resolve) => setImmediate(resolve));
    if (app.overloaded()) shed = await app.inject({ method: 'GET', url: '/v1/projects', headers });
  }
  t.equal(shed?.statusCode, 503, 'the same load after the warm-up is shed');
});
