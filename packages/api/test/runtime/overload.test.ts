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

    await stallEventLoop(app);
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
