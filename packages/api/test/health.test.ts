import t from 'tap';
import { buildTestApp, json } from './helpers/stack.ts';

t.test('liveness answers without touching the database', async (t) => {
  const app = await buildTestApp(t, { databaseUrl: 'postgresql://nobody:x@127.0.0.1:1/none' }, { migrated: false });
  const response = await app.inject({ method: 'GET', url: '/health/live' });
  t.equal(response.statusCode, 200);
  t.same(json(response), { status: 'ok' });
});

t.test('readiness is 200 when the database is reachable and migrated', async (t) => {
  const app = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(response.statusCode, 200);
  t.same(json(response), {
    status: 'ok',
    checks: { database: 'ok', migrations: 'ok', draining: false, overloaded: false },
  });
});

t.test('readiness is 503 when migrations are not applied', async (t) => {
  const app = await buildTestApp(t, {}, { migrated: false });
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(response.statusCode, 503);
  t.match(json(response), { status: 'unavailable', checks: { database: 'ok', migrations: 'failing' } });
});

t.test('readiness is 503 when the database is unreachable', async (t) => {
  const app = await buildTestApp(t);
  await app.close();
  const { buildApp } = await import('../src/app.ts');
  const { testConfig } = await import('./helpers/stack.ts');
  const down = await buildApp({ config: testConfig('postgresql://postgres:x@127.0.0.1:1/none'), logger: false });
  t.teardown(() => down.close());
  const response = await down.inject({ method: 'GET', url: '/health/ready' });
  t.equal(response.statusCode, 503);
  t.match(json(response), { status: 'unavailable', checks: { database: 'failing' } });
});

t.test('readiness is 503 while draining', async (t) => {
  const app = await buildTestApp(t);
  app.draining = true;
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(response.statusCode, 503);
  t.match(json(response), { checks: { draining: true } });
});
