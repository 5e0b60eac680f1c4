import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import {
  accessClaims,
  authHeader,
  buildTestApp,
  emulatorKey,
  signToken,
  testConfig,
  testStack,
  tokensFor,
} from '../helpers/stack.ts';

// Extends test/auth.test.ts (which covers each claim check once) with the attacks that need an
// attacker-controlled JWKS host, other algorithm encodings, and a refetch flood.

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('token attacks: 401 and no JWKS fetch to an attacker-chosen host', async (t) => {
  const { privateKey: attackerKey, publicKey: attackerPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let attackerHits = 0;
  const attacker = createServer((_request, response) => {
    attackerHits += 1;
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        keys: [{ ...attackerPublic.export({ format: 'jwk' }), kid: 'CognitoLocal', alg: 'RS256', use: 'sig' }],
      }),
    );
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => attacker.close());
  const evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;

  const app = await buildTestApp(t);
  await app.inject({ method: 'GET', url: '/v1/me', headers: await authHeader('alice') }); // JWKS primed
  const fetchesBefore = app.jwksKeys.fetchCount;
  const publicPem = createPublicKey(emulatorKey()).export({ format: 'pem', type: 'spki' });
  const hs256 = (secret: string | Buffer) => {
    const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' })}.${enc(accessClaims('alice'))}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const { accessToken, idToken } = await tokensFor('alice');
  const attacks: [string, string][] = [
    [
      'issuer is the attacker, kid known, signed by the attacker',
      signToken(accessClaims('alice', { iss: `${evil}/pool` }), { key: attackerKey }),
    ],
    [
      'jku header points at the attacker',
      signToken(accessClaims('alice'), { key: attackerKey, header: { jku: `${evil}/jwks.json` } }),
    ],
    [
      'x5u header points at the attacker',
      signToken(accessClaims('alice'), { key: attackerKey, header: { x5u: `${evil}/cert.pem` } }),
    ],
    [
      'embedded jwk header with the attacker key',
      signToken(accessClaims('alice'), { key: attackerKey, header: { jwk: attackerPublic.export({ format: 'jwk' }) } }),
    ],
    ['HS256 with the PEM public key as secret', hs256(publicPem)],
    [
      'HS256 with the DER public key as secret',
      hs256(createPublicKey(emulatorKey()).export({ format: 'der', type: 'spki' })),
    ],
    ['alg none (lowercase)', `${enc({ alg: 'none', typ: 'JWT' })}.${enc(accessClaims('alice'))}.`],
    [
      'alg NONE with a signature',
      `${enc({ alg: 'NONE', typ: 'JWT' })}.${enc(accessClaims('alice'))}.${accessToken.split('.')[2]}`,
    ],
    ['RS512 with the right key', signToken(accessClaims('alice'), { header: { alg: 'RS512' } })],
    [
      'kid with path traversal',
      signToken(accessClaims('alice'), { key: attackerKey, header: { kid: '../../../../dev/null' } }),
    ],
    ['kid with SQL', signToken(accessClaims('alice'), { key: attackerKey, header: { kid: "' OR 1=1--" } })],
    ['issuer with a trailing slash', signToken(accessClaims('alice', { iss: `${testStack().cognito.issuer}/` }))],
    ['issuer as an array', signToken(accessClaims('alice', { iss: [testStack().cognito.issuer] }))],
    ['sub missing', signToken(accessClaims('alice', { sub: undefined }))],
    ['exp missing', signToken(accessClaims('alice', { exp: undefined }))],
    ['exp as a string far in the future', signToken(accessClaims('alice', { exp: '99999999999' }))],
    ['token_use id with the access client claim', signToken(accessClaims('alice', { token_use: 'id' }))],
    ['real id token (access expected)', idToken],
    [
      'access token signature on id token payload',
      `${idToken.split('.')[0]}.${idToken.split('.')[1]}.${accessToken.split('.')[2]}`,
    ],
    ['header segment garbage', `!!!.${accessToken.split('.')[1]}.${accessToken.split('.')[2]}`],
    [
      'payload not JSON',
      `${accessToken.split('.')[0]}.${Buffer.from('not json').toString('base64url')}.${accessToken.split('.')[2]}`,
    ],
    ['payload JSON array', `${accessToken.split('.')[0]}.${enc([1, 2])}.${accessToken.split('.')[2]}`],
    ['four segments', `${accessToken}.extra`],
    ['token just under the size limit', `${'a'.repeat(8_000)}.${'b'.repeat(150)}.c`],
    ['token of 1 MiB', `${'a'.repeat(1 << 20)}.b.c`],
  ];
  for (const [name, token] of attacks) {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    t.equal(response.statusCode, 401, name);
  }
  t.equal(attackerHits, 0, 'the attacker host was never contacted');
  t.comment(
    `token attacks: ${attacks.length} tokens, all rejected, ${attackerHits} requests to the attacker host, ` +
      `${app.jwksKeys.fetchCount - fetchesBefore} JWKS fetches to the trusted issuer`,
  );

  t.test('an id token is rejected where only access tokens are configured, and the reverse', async (t) => {
    const idOnly = await buildTestApp(t, { auth: { ...testConfig('x').auth, tokenUse: ['id'] } });
    const response = await idOnly.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    t.equal(response.statusCode, 401, 'access token where id expected');
    const forged = signToken({ ...accessClaims('alice'), token_use: 'id', aud: undefined });
    t.equal(
      (await idOnly.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${forged}` } }))
        .statusCode,
      401,
      'id token without aud',
    );
  });
});

t.test('a flood of unknown kids costs at most one JWKS fetch per refetch interval', async (t) => {
  const intervalMs = 300;
  const app = await buildTestApp(t, { auth: { ...testConfig('x').auth, jwksRefetchIntervalMs: intervalMs } });
  const started = Date.now();
  let sent = 0;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  while (Date.now() - started < 1_500) {
    const batch = Array.from({ length: 25 }, (_, i) =>
      app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: {
          authorization: `Bearer ${signToken(accessClaims('alice'), { key: privateKey, header: { kid: `flood-${sent + i}` } })}`,
        },
      }),
    );
    const statuses = new Set((await Promise.all(batch)).map((r) => r.statusCode));
    sent += batch.length;
    t.same([...statuses], [401], 'all rejected', { diagnostic: false });
    await sleep(10);
  }
  const elapsed = Date.now() - started;
  const bound = Math.ceil(elapsed / intervalMs) + 1;
  t.ok(
    app.jwksKeys.fetchCount <= bound,
    `${sent} unknown-kid tokens in ${elapsed} ms caused ${app.jwksKeys.fetchCount} JWKS fetches (bound ${bound})`,
  );
  t.comment(
    `unknown-kid flood: ${sent} tokens in ${elapsed} ms → ${app.jwksKeys.fetchCount} JWKS fetches (interval ${intervalMs} ms)`,
  );
});
