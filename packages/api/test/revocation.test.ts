import t from 'tap';
import { loadAppConfig } from '../src/config.ts';
import { accessClaims, authHeader, buildTestApp, json, signToken, testStack } from './helpers/stack.ts';

// Issue 14.3 (README, "Authentication and revocation"): the `admin` group is honoured only from
// tokens issued at most ADMIN_MAX_TOKEN_AGE_SECONDS ago. Cognito writes `cognito:groups` into a token
// when it issues it, and its access tokens carry `iat`
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html),
// so `iat` says how old the group list is. Tokens with a chosen `iat` are signed with the emulator's
// own key (test/helpers/stack.ts), so only the age differs from what the emulator issues.

const now = () => Math.floor(Date.now() / 1000);
const bearer = (claims: Record<string, unknown>) => ({ authorization: `Bearer ${signToken(claims)}` });
/** The real admin user's claims, issued `ageSeconds` ago and still unexpired. */
const adminIssued = (ageSeconds: number) =>
  accessClaims('admin', { 'cognito:groups': ['admin'], iat: now() - ageSeconds, exp: now() + 600 });

t.test('admin rights need a recently issued token; other rights last until the token expires', async (t) => {
  const app = await buildTestApp(t);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: await authHeader('alice'),
    payload: { name: 'Alice only' },
  });
  const url = `/v1/projects/${String(json(created).id)}`;
  const read = async (headers: Record<string, string>) =>
    (await app.inject({ method: 'GET', url, headers })).statusCode;

  t.equal(await read(await authHeader('admin')), 200, 'a fresh token from the emulator, in the admin group');
  t.equal(await read(bearer(adminIssued(60))), 200, 'issued a minute ago');
  t.equal(await read(bearer(adminIssued(290))), 200, 'just within the default 300 s');
  t.equal(await read(bearer(adminIssued(400))), 404, 'issued 400 s ago: answered like any non-member');
  t.equal(await read(bearer(accessClaims('admin', { 'cognito:groups': ['admin'], iat: undefined }))), 404, 'no iat');

  const me = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(adminIssued(400)) });
  t.equal(me.statusCode, 200, 'an old admin token still authenticates');
  t.same(json(me).groups, ['admin'], '/v1/me shows the groups the token carries');

  const aliceOld = accessClaims('alice', { iat: now() - 3000, exp: now() + 600 });
  t.equal(await read(bearer(aliceOld)), 200, 'an owner keeps their own rights for the token lifetime');
});

t.test('ADMIN_MAX_TOKEN_AGE_SECONDS sets the window', async (t) => {
  const app = await buildTestApp(t, {
    auth: { ...(await import('./helpers/stack.ts')).testConfig('x').auth, adminMaxTokenAgeSeconds: 60 },
  });
  const created = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: await authHeader('bob'),
    payload: { name: 'Bob only' },
  });
  const url = `/v1/projects/${String(json(created).id)}`;
  const read = async (age: number) =>
    (await app.inject({ method: 'GET', url, headers: bearer(adminIssued(age)) })).statusCode;
  t.equal(await read(30), 200);
  t.equal(await read(120), 404);

  const env = { AUTH_ISSUERS: testStack().cognito.issuer, AUTH_CLIENT_IDS: 'c', DATABASE_URL: 'postgresql://h/d' };
  t.equal(loadAppConfig(env).auth.adminMaxTokenAgeSeconds, 300, 'default');
  t.equal(loadAppConfig({ ...env, ADMIN_MAX_TOKEN_AGE_SECONDS: '120' }).auth.adminMaxTokenAgeSeconds, 120);
  t.throws(() => loadAppConfig({ ...env, ADMIN_MAX_TOKEN_AGE_SECONDS: '10' }), {
    message: 'ADMIN_MAX_TOKEN_AGE_SECONDS must be between 60 and 86400, got 10',
  });
});
