// The three health checks through app.inject on real PostgreSQL. What they are for (load balancer
// routing and Auto Scaling replacement by /health/serving, monitoring by /health/ready) is AWS
// behaviour, encoded in templates/service/test/service-stack.test.ts with the pages it comes from.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '@taskboard/local-stack';
import { buildApp } from '../src/app.ts';
import { buildSheddingApp, stallEventLoop } from './helpers/overload.ts';
import { migrateDeploy } from '../src/db/migrations.ts';
import { buildTestApp, createTestDatabase, json, testConfig } from './helpers/stack.ts';

type Tap = Parameters<typeof createTestDatabase>[0];

async function appOn(t: Tap, databaseUrl: string, overrides: Parameters<typeof testConfig>[1] = {}) {
  const app = await buildApp({ config: testConfig(databaseUrl, overrides), logger: false });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

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
  t.equal(response.headers['cache-control'], 'no-store');
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'again, migrations known');
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
  const down = await appOn(t, 'postgresql://postgres:x@127.0.0.1:1/none');
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

// The start-up gate: a new instance of a broken image (migrations missing, database unreachable)
// must never count as healthy, so an instance refresh cannot complete with it.
t.test('serving fails until every migration is applied, then passes', async (t) => {
  const url = await createTestDatabase(t, { migrated: false });
  const app = await appOn(t, url);
  const before = await app.inject({ method: 'GET', url: '/health/serving' });
  t.equal(before.statusCode, 503);
  t.equal(before.headers['cache-control'], 'no-store');
  t.same(json(before), { status: 'unavailable', checks: { started: false, draining: false } });

  await migrateDeploy(url);
  const after = await app.inject({ method: 'GET', url: '/health/serving' });
  t.equal(after.statusCode, 200);
  t.same(json(after), { status: 'ok', checks: { started: true, draining: false } });
});

t.test('serving fails for an image that expects a migration the database lacks', async (t) => {
  // The rollout ordering mistake: a new image deployed before its migration ran.
  const url = await createTestDatabase(t);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query(
    'DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations)',
  );
  const app = await appOn(t, url);
  const serving = await app.inject({ method: 'GET', url: '/health/serving' });
  t.equal(serving.statusCode, 503);
  t.same(json(serving).checks, { started: false, draining: false });
  t.match(json(await app.inject({ method: 'GET', url: '/health/ready' })).checks, {
    database: 'ok',
    migrations: 'failing',
  });
});

t.test('serving fails for a process that never reached its database', async (t) => {
  const app = await appOn(t, 'postgresql://postgres:x@127.0.0.1:1/none', { databaseConnectTimeoutMs: 1_000 });
  for (let i = 0; i < 2; i++) {
    const response = await app.inject({ method: 'GET', url: '/health/serving' });
    t.equal(response.statusCode, 503);
    t.same(json(response).checks, { started: false, draining: false });
  }
});

t.test('a passing readiness check also opens the start-up gate', async (t) => {
  const app = await buildTestApp(t);
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
  app.draining = true; // serving would otherwise run the checks itself; now it must not need to
  t.same(json(await app.inject({ method: 'GET', url: '/health/serving' })).checks, { started: true, draining: true });
});

t.test('serving keeps passing while the database is down, once started', async (t) => {
  // A PostgreSQL of its own, so it can be stopped (test/reliability/helpers/database-outage.ts does the same).
  const parent = await mkdtemp(join(tmpdir(), 'taskboard-health-'));
  await chmod(parent, 0o777); // postgres runs as its own OS user when we are root
  let server: RunningPostgres | undefined = await startEmbeddedPostgres({
    dataDir: join(parent, 'data'),
    port: await freePort(),
  });
  t.teardown(async () => {
    await server?.stop();
    await rm(parent, { recursive: true, force: true });
  });
  const url = server.urlFor('postgres');
  await migrateDeploy(url);
  const app = await appOn(t, url, { databaseConnectTimeoutMs: 1_000 });
  t.equal((await app.inject({ method: 'GET', url: '/health/serving' })).statusCode, 200, 'started');

  await server.stop();
  server = undefined;
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 503, 'the outage is real: readiness sees it');
  t.match(json(ready).checks, { database: 'failing' });
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const serving = await app.inject({ method: 'GET', url: '/health/serving' });
    t.equal(serving.statusCode, 200, 'serving does not depend on the database after start-up');
    t.ok(Date.now() - started < 500, 'and answers without waiting for it');
  }
});

t.test('serving keeps passing while overloaded; readiness reports the overload', async (t) => {
  const app = await buildSheddingApp(t);
  t.equal((await app.inject({ method: 'GET', url: '/health/serving' })).statusCode, 200, 'started');

  await stallEventLoop(app);
  t.ok(app.overloaded(), 'under pressure');
  const [shed, serving, ready] = await Promise.all([
    app.inject({ method: 'GET', url: '/v1/projects' }),
    app.inject({ method: 'GET', url: '/health/serving' }),
    app.inject({ method: 'GET', url: '/health/ready' }),
  ]);
  t.equal(shed.statusCode, 503, 'ordinary requests are shed');
  t.equal(serving.statusCode, 200, 'the load balancer check is never shed and ignores load');
  t.same(json(serving).checks, { started: true, draining: false });
  t.equal(ready.statusCode, 503);
  t.match(json(ready).checks, { overloaded: true });
});

t.test('serving fails while draining, so the load balancer stops routing to the instance', async (t) => {
  const app = await buildTestApp(t);
  t.equal((await app.inject({ method: 'GET', url: '/health/serving' })).statusCode, 200);
  app.draining = true;
  const response = await app.inject({ method: 'GET', url: '/health/serving' });
  t.equal(response.statusCode, 503);
  t.same(json(response), { status: 'unavailable', checks: { started: true, draining: true } });
});

t.test('a process draining before it ever started does not query the database', async (t) => {
  // A "database" that accepts connections and never answers: any query would hang until the timeout.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => silent.close(resolve));
  });
  const { port } = silent.address() as AddressInfo;
  const app = await appOn(t, `postgresql://postgres:x@127.0.0.1:${port}/none`, { databaseConnectTimeoutMs: 30_000 });
  app.draining = true;
  const started = Date.now();
  const response = await app.inject({ method: 'GET', url: '/health/serving' });
  t.equal(response.statusCode, 503);
  t.same(json(response).checks, { started: false, draining: true });
  t.ok(Date.now() - started < 1_000, 'answered at once');
});
