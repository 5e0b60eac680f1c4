import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { buildSheddingApp, stallEventLoop } from '../helpers/overload.ts';
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
