import type { Test } from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { RejectionReason } from '../src/auth/token-rejected.ts';
import { captureLog } from './helpers/captured-log.ts';
import { UserProvisioner } from '../src/services/user-provisioning.ts';
import {
  accessClaims,
  authHeader,
  buildTestApp,
  json,
  otherKey,
  signToken,
  testStack,
  testConfig,
  tokensFor,
} from './helpers/stack.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('authentication', async (t) => {
  const log = captureLog();
  const app = await buildTestApp(t, {}, { logger: { level: 'info', stream: log.stream } });
  const me = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/v1/me', headers });

  /** The same 401 whatever the reason; only the log line says which check refused the token. */
  const assertRejected = async (t: Test, headers: Record<string, string>, reason: RejectionReason) => {
    const response = await me(headers);
    t.equal(response.statusCode, 401);
    t.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.match(json(response), { type: '/problems/unauthorized', status: 401 });
    t.same(log.rejectionReasons(response), [reason], `logged as ${reason}`);
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

  t.test('no token', (t) => assertRejected(t, {}, 'no-token'));
  t.test('not a bearer token', (t) => assertRejected(t, { authorization: 'Basic dXNlcjpwYXNz' }, 'malformed-header'));
  t.test('garbage in every segment', (t) => assertRejected(t, bearer('abc.def.ghi'), 'malformed-token'));
  t.test('payload a JSON array', async (t) => {
    const [header, , signature] = (await tokensFor('alice')).accessToken.split('.');
    const payload = Buffer.from('[1,2]').toString('base64url');
    await assertRejected(t, bearer(`${header}.${payload}.${signature}`), 'malformed-token');
  });
  t.test('oversized token', (t) => assertRejected(t, bearer(`${'a'.repeat(9000)}.b.c`), 'token-too-large'));
  t.test('expired', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { exp: Math.floor(Date.now() / 1000) - 60 }))), 'expired'),
  );
  t.test('not yet valid', (t) =>
    assertRejected(
      t,
      bearer(signToken(accessClaims('alice', { nbf: Math.floor(Date.now() / 1000) + 600 }))),
      'not-yet-valid',
    ),
  );
  t.test('exp missing', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { exp: undefined }))), 'claim-missing'),
  );
  t.test('exp a string', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { exp: '99999999999' }))), 'claim-invalid'),
  );
  t.test('exp an array', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { exp: [99999999999] }))), 'claim-invalid'),
  );
  t.test('sub empty', (t) => assertRejected(t, bearer(signToken(accessClaims('alice', { sub: '' }))), 'sub-invalid'));
  t.test('wrong client', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { client_id: 'someone-else' }))), 'client-not-accepted'),
  );
  t.test('wrong issuer', (t) =>
    assertRejected(
      t,
      bearer(signToken(accessClaims('alice', { iss: `${testStack().cognito.endpoint}/local_other` }))),
      'issuer-not-trusted',
    ),
  );
  t.test('missing token_use', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice', { token_use: undefined }))), 'token-use-missing'),
  );
  t.test('id token where an access token is expected', async (t) =>
    assertRejected(t, bearer((await tokensFor('alice')).idToken), 'token-use-not-accepted'),
  );
  t.test('no kid', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice'), { header: { kid: undefined } })), 'kid-missing'),
  );
  t.test('a critical header extension this api does not understand', (t) =>
    assertRejected(
      t,
      bearer(signToken(accessClaims('alice'), { header: { crit: ['x-taskboard'], 'x-taskboard': 1 } })),
      'unsupported-crit-header',
    ),
  );
  t.test('bad signature: another key under the known kid', (t) =>
    assertRejected(t, bearer(signToken(accessClaims('alice'), { key: otherKey() })), 'bad-signature'),
  );
  t.test('signature missing', async (t) => {
    const [header, payload] = (await tokensFor('alice')).accessToken.split('.');
    await assertRejected(t, bearer(`${header}.${payload}.`), 'signature-missing');
  });
  t.test('tampered payload', async (t) => {
    const [header, , signature] = (await tokensFor('alice')).accessToken.split('.');
    const payload = Buffer.from(JSON.stringify(accessClaims('bob'))).toString('base64url');
    await assertRejected(t, bearer(`${header}.${payload}.${signature}`), 'bad-signature');
  });
  t.test('alg none', (t) => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return assertRejected(
      t,
      bearer(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(accessClaims('alice'))}.`),
      'algorithm-not-allowed',
    );
  });
  t.test('HS256 signed with the public key', async (t) => {
    const { createHmac } = await import('node:crypto');
    const jwks = (await (await fetch(`${testStack().cognito.issuer}/.well-known/jwks.json`)).json()) as object;
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' })}.${enc(accessClaims('alice'))}`;
    const sig = createHmac('sha256', JSON.stringify(jwks)).update(input).digest('base64url');
    await assertRejected(t, bearer(`${input}.${sig}`), 'algorithm-not-allowed');
  });

  t.test('unknown kids cause at most one JWKS refetch per interval', async (t) => {
    await me(await authHeader('alice'));
    const before = app.jwksKeys.fetchCount;
    for (let i = 0; i < 20; i += 1) {
      await assertRejected(
        t,
        bearer(signToken(accessClaims('alice'), { key: otherKey(), header: { kid: `made-up-${i}` } })),
        'unknown-key',
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

t.test('a JWKS endpoint that answers 503 is logged as JWKS unavailable, not as an unknown key', async (t) => {
  let status = 503;
  let fetches = 0;
  const issuerHost = createServer((_request, response) => {
    fetches += 1;
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.end(status === 200 ? '{"keys":[]}' : '{"message":"Service Unavailable"}');
  });
  await new Promise<void>((resolve) => issuerHost.listen(0, '127.0.0.1', resolve));
  t.teardown(() => issuerHost.close());
  const issuer = `http://127.0.0.1:${(issuerHost.address() as AddressInfo).port}/pool`;
  const log = captureLog();
  const { auth } = testConfig('x');
  const app = await buildTestApp(
    t,
    { auth: { ...auth, issuers: [...auth.issuers, issuer], jwksRefetchIntervalMs: 1_500 } },
    { logger: { level: 'info', stream: log.stream } },
  );
  const token = signToken(accessClaims('alice', { iss: issuer }), { key: otherKey(), header: { kid: 'k1' } });
  const attempt = async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    t.equal(response.statusCode, 401, 'the same 401 as for any refused token');
    t.match(json(response), { type: '/problems/unauthorized', status: 401 });
    return log.rejectionReasons(response);
  };

  t.same(await attempt(), ['jwks-unavailable'], 'the fetch answered 503');
  t.same(await attempt(), ['jwks-unavailable'], 'within the refetch interval: still the failure, no new fetch');
  t.equal(fetches, 1);
  status = 200;
  await sleep(1_600);
  t.same(await attempt(), ['unknown-key'], 'once the JWKS answers without the kid, the key is unknown');
  t.equal(fetches, 2);
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
