// API Gateway includes the stage in the path it sends to a private integration ("Considerations" in
// https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html): `/live/v1/me`
// must reach the same route as `/v1/me` when API_STAGE_PREFIX=/live, through the real app (app.inject).
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { ConfigError, loadAppConfig } from '../src/config.ts';
import { StagePrefixError, stripStagePrefix } from '../src/http/stage-prefix.ts';
import { authHeader, buildTestApp, createTestDatabase, json, testConfig } from './helpers/stack.ts';

t.test('API_STAGE_PREFIX is optional and validated at start-up', async (t) => {
  const valid = {
    DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
    AUTH_ISSUERS: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
    AUTH_CLIENT_IDS: 'client1',
  };
  t.equal(loadAppConfig(valid).stagePrefix, undefined, 'unset: nothing is stripped');
  t.equal(loadAppConfig({ ...valid, API_STAGE_PREFIX: '/live' }).stagePrefix, '/live');
  t.equal(loadAppConfig({ ...valid, API_STAGE_PREFIX: ' /prod_2-a ' }).stagePrefix, '/prod_2-a');
  for (const bad of ['live', '/live/', '/li ve', '/', '/a/b', '/live?x']) {
    t.throws(() => loadAppConfig({ ...valid, API_STAGE_PREFIX: bad }), ConfigError, bad);
    t.throws(() => loadAppConfig({ ...valid, API_STAGE_PREFIX: bad }), { message: /^API_STAGE_PREFIX must be/ });
  }
});

t.test('only a whole first segment equal to the prefix is stripped', async (t) => {
  t.equal(stripStagePrefix('/live', '/live/v1/me'), '/v1/me');
  t.equal(stripStagePrefix('/live', '/live/v1/projects?limit=5'), '/v1/projects?limit=5');
  t.equal(stripStagePrefix('/live', '/live'), '/');
  t.equal(stripStagePrefix('/live', '/live?x=1'), '/?x=1');
  t.equal(stripStagePrefix('/live', '/v1/me'), '/v1/me', 'without the prefix: unchanged');
  t.equal(stripStagePrefix('/live', '/livestream/v1/me'), '/livestream/v1/me');
  t.equal(stripStagePrefix('/live', '/Live/v1/me'), '/Live/v1/me', 'stage names are case-sensitive');
  t.equal(stripStagePrefix('/live', '/v1/live/x'), '/v1/live/x', 'only the first segment');
});

t.test('with API_STAGE_PREFIX=/live, /live/v1/... and /v1/... reach the same routes', async (t) => {
  const app = await buildTestApp(t, { stagePrefix: '/live' });
  const headers = await authHeader('alice');

  const bare = await app.inject({ method: 'GET', url: '/v1/me', headers });
  const staged = await app.inject({ method: 'GET', url: '/live/v1/me', headers });
  t.equal(bare.statusCode, 200, bare.body);
  t.equal(staged.statusCode, 200, staged.body);
  t.same(json(staged), json(bare), 'the same route answered');

  const created = await app.inject({ method: 'POST', url: '/live/v1/projects', headers, payload: { name: 'Staged' } });
  t.equal(created.statusCode, 201, created.body);
  const id = String(json(created).id);
  const read = await app.inject({ method: 'GET', url: `/live/v1/projects/${id}?x=1`, headers });
  t.equal(read.statusCode, 200, 'path parameters and query strings survive the rewrite');
  t.equal(json(read).name, 'Staged');

  // The load balancer checks the instance directly, without a stage.
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/live/health/live' })).statusCode, 200);

  // The 405 method mirror sees the rewritten path too.
  const wrongMethod = await app.inject({ method: 'PATCH', url: `/live/v1/projects/${id}`, headers });
  t.equal(wrongMethod.statusCode, 405);
  t.equal(wrongMethod.headers.allow, 'DELETE, GET, HEAD, PUT');
  t.equal(json(wrongMethod).instance, `/v1/projects/${id}`);

  const elsewhere = await app.inject({ method: 'GET', url: '/livestream/v1/me', headers });
  t.equal(elsewhere.statusCode, 404, 'a segment that only starts with the stage is not stripped');
  t.match(elsewhere.headers['content-type'], /^application\/problem\+json/);
});

t.test('without API_STAGE_PREFIX, /live/v1/... is a 404 problem', async (t) => {
  const app = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/live/v1/me', headers: await authHeader('alice') });
  t.equal(response.statusCode, 404);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.match(json(response), { type: '/problems/not-found', status: 404, instance: '/live/v1/me' });
});

t.test('a prefix that is also the start of a route is refused when the app is built', async (t) => {
  const databaseUrl = await createTestDatabase(t, { migrated: false });
  for (const prefix of ['/v1', '/health']) {
    await t.rejects(
      buildApp({ config: testConfig(databaseUrl, { stagePrefix: prefix }), logger: false }),
      StagePrefixError,
      prefix,
    );
  }
});
