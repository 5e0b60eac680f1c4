import type { Test } from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { UserProvisioner } from '../src/services/user-provisioning.ts';
import {
  accessClaims,
  authHeader,
  buildTestApp,
  json,
  otherKey,
  signToken,
  testStack,
  tokensFor,
} from './helpers/stack.ts';

t.test('authentication', async (t) => {
  const app = await buildTestApp(t);
  const me = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/v1/me', headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const assertRejected = async (t: Test, headers: Record<string, string>) => {
    const response = await me(headers);
    t.equal(response.statusCode, 401);
    t.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.match(json(response), { type: '/problems/unauthorized', status: 401 });
  };

  t.test('a real access token from the local Cognito is accepted', async (t) => {
    const response = await me(await authHeader('alice'));
    t.equal(response.statusCode, 200);
    t.match(json(response), { id: testStack().users.alice.sub, groups: [] });
    t.equal(json(response).email, testStack().users.alice.email, 'the email comes from Cognito GetUser');
    const { authorization } = await authHeader('alice');
    const lowercase = await me({ authorization: authorization.replace(/^Bearer/, 'bearer') });
    t.equal(lowercase.statusCode, 200, 'the scheme is case-insensitive');
  });

  t.test('admin group comes from cognito:groups', async (t) => {
    const response = await me(await authHeader('admin'));
    t.same(json(response).groups, ['admin']);
  });

  t.test('no token', (t) => assertRejected(t, {}));
  t.test('not a bearer token', (t) => assertRejected(t, { authorization: 'Basic dXNlcjpwYXNz' }));
  t.test('garbage in every segment', (t) => assertRejected(t, bearer('abc.def.ghi')));
  t.test('oversized token', (t) => assertRejected(t, bearer(`${'a'.repeat(9000)}.b.c`)));
  t.test('expired', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { exp: Math.floor(Date.now() / 1000) - 60 })))),
  );
  t.test('not yet valid', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { nbf: Math.floor(Date.now() / 1000) + 600 })))),
  );
  t.test('wrong client', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { client_id: 'someone-else' })))),
  );
  t.test('wrong issuer', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { iss: `${testStack().cognito.endpoint}/local_other` })))),
  );
  t.test('missing token_use', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { token_use: undefined })))),
  );
  t.test('id token where an access token is expected', async (t) =>
    assertRejected(t, bearer((await tokensFor('alice')).idToken)),
  );
  t.test('bad signature: another key under the known kid', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice'), { key: otherKey() }))),
  );
  t.test('tampered payload', async (t) => {
    const [header, , signature] = (await tokensFor('alice')).accessToken.split('.');
    const payload = Buffer.from(JSON.stringify(accessClaims('bob'))).toString('base64url');
    await assertRejected(t, bearer(`${header}.${payload}.${signature}`));
  });
  t.test('alg none', (t) => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return assertRejected(t, bearer(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(accessClaims('alice'))}.`));
  });
  t.test('HS256 signed with the public key', async (t) => {
    const { createHmac } = await import('node:crypto');
    const jwks = (await (await fetch(`${testStack().cognito.issuer}/.well-known/jwks.json`)).json()) as object;
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' })}.${enc(accessClaims('alice'))}`;
    const sig = createHmac('sha256', JSON.stringify(jwks)).update(input).digest('base64url');
    await assertRejected(t, bearer(`${input}.${sig}`));
  });

  t.test('unknown kids cause at most one JWKS refetch per interval', async (t) => {
    await me(await authHeader('alice'));
    const before = app.jwksKeys.fetchCount;
    for (let i = 0; i < 20; i += 1) {
      await assertRejected(
        t,
        bearer(signToken(accessClaims('alice'), { key: otherKey(), header: { kid: `made-up-${i}` } })),
      );
    }
    t.ok(
      app.jwksKeys.fetchCount - before <= 1,
      `fetched ${app.jwksKeys.fetchCount - before} times for 20 unknown kids`,
    );
  });
});

t.test('an issuer pointing at an attacker JWKS is never fetched', async (t) => {
  let hits = 0;
  const attacker = createServer((_req, res) => {
    hits += 1;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => attacker.close());
  const app = await buildTestApp(t);
  const iss = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/evil`;
  const response = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: `Bearer ${signToken(accessClaims('alice', { iss }), { key: otherKey() })}` },
  });
  t.equal(response.statusCode, 401);
  t.equal(hits, 0);
});

t.test('id tokens are accepted when configured', async (t) => {
  const app = await buildTestApp(t, {
    auth: { ...(await import('./helpers/stack.ts')).testConfig('x').auth, tokenUse: ['id'] },
  });
  const { idToken, accessToken } = await tokensFor('bob');
  const ok = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${idToken}` } });
  t.equal(ok.statusCode, 200);
  t.equal(json(ok).email, testStack().users.bob.email);
  const rejected = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  t.equal(rejected.statusCode, 401);
});

t.test('a user email lookup that fails leaves the email null and is retried while it is unknown', async (t) => {
  const app = await buildTestApp(t);
  const principal = {
    userId: 'lookup-user',
    issuer: 'http://127.0.0.1:9/pool',
    email: null,
    groups: [],
    isAdmin: false,
  };
  const stored = async () => (await app.prisma.user.findUnique({ where: { id: principal.userId } }))?.email;
  await new UserProvisioner(app.prisma).ensure(principal, async () => {
    throw new Error('Cognito is down');
  });
  t.equal(await stored(), null, 'the user exists without an email');
  let lookups = 0;
  const later = new UserProvisioner(app.prisma);
  const lookup = async (): Promise<string> => {
    lookups += 1;
    return 'found@example.com';
  };
  await later.ensure(principal, lookup);
  await later.ensure(principal, lookup);
  t.equal(await stored(), 'found@example.com', 'a later process fills it in');
  t.equal(lookups, 1, 'once per process');
  await new UserProvisioner(app.prisma).ensure(principal, lookup);
  t.equal(lookups, 1, 'never again once known');
});
