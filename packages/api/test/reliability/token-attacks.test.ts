import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { RejectionReason } from '../../src/auth/token-rejected.ts';
import { captureLog } from '../helpers/captured-log.ts';
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

  const log = captureLog();
  const app = await buildTestApp(t, {}, { logger: { level: 'info', stream: log.stream } });
  await app.inject({ method: 'GET', url: '/v1/me', headers: await authHeader('alice') }); // JWKS primed
  const fetchesBefore = app.jwksKeys.fetchCount;
  const publicPem = createPublicKey(emulatorKey()).export({ format: 'pem', type: 'spki' });
  const hs256 = (secret: string | Buffer) => {
    const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'CognitoLocal' })}.${enc(accessClaims('alice'))}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const { accessToken, idToken } = await tokensFor('alice');
  const attacks: { name: string; token: string; reason: RejectionReason }[] = [
    {
      name: 'issuer is the attacker, kid known, signed by the attacker',
      token: signToken(accessClaims('alice', { iss: `${evil}/pool` }), { key: attackerKey }),
      reason: 'issuer-not-trusted',
    },
    {
      name: 'jku header points at the attacker',
      token: signToken(accessClaims('alice'), { key: attackerKey, header: { jku: `${evil}/jwks.json` } }),
      reason: 'bad-signature',
    },
    {
      name: 'x5u header points at the attacker',
      token: signToken(accessClaims('alice'), { key: attackerKey, header: { x5u: `${evil}/cert.pem` } }),
      reason: 'bad-signature',
    },
    {
      name: 'embedded jwk header with the attacker key',
      token: signToken(accessClaims('alice'), {
        key: attackerKey,
        header: { jwk: attackerPublic.export({ format: 'jwk' }) },
      }),
      reason: 'bad-signature',
    },
    { name: 'HS256 with the PEM public key as secret', token: hs256(publicPem), reason: 'algorithm-not-allowed' },
    {
      name: 'HS256 with the DER public key as secret',
      token: hs256(createPublicKey(emulatorKey()).export({ format: 'der', type: 'spki' })),
      reason: 'algorithm-not-allowed',
    },
    {
      name: 'alg none (lowercase)',
      token: `${enc({ alg: 'none', typ: 'JWT' })}.${enc(accessClaims('alice'))}.`,
      reason: 'algorithm-not-allowed',
    },
    {
      name: 'alg NONE with a signature',
      token: `${enc({ alg: 'NONE', typ: 'JWT' })}.${enc(accessClaims('alice'))}.${accessToken.split('.')[2]}`,
      reason: 'algorithm-not-allowed',
    },
    {
      name: 'RS512 with the right key',
      token: signToken(accessClaims('alice'), { header: { alg: 'RS512' } }),
      reason: 'algorithm-not-allowed',
    },
    {
      name: 'kid with path traversal',
      token: signToken(accessClaims('alice'), { key: attackerKey, header: { kid: '../../../../dev/null' } }),
      reason: 'unknown-key',
    },
    {
      name: 'kid with SQL',
      token: signToken(accessClaims('alice'), { key: attackerKey, header: { kid: "' OR 1=1--" } }),
      reason: 'unknown-key',
    },
    {
      name: 'issuer with a trailing slash',
      token: signToken(accessClaims('alice', { iss: `${testStack().cognito.issuer}/` })),
      reason: 'issuer-not-trusted',
    },
    {
      name: 'issuer as an array',
      token: signToken(accessClaims('alice', { iss: [testStack().cognito.issuer] })),
      reason: 'issuer-not-trusted',
    },
    { name: 'sub missing', token: signToken(accessClaims('alice', { sub: undefined })), reason: 'claim-missing' },
    { name: 'exp missing', token: signToken(accessClaims('alice', { exp: undefined })), reason: 'claim-missing' },
    {
      name: 'exp as a string far in the future',
      token: signToken(accessClaims('alice', { exp: '99999999999' })),
      reason: 'claim-invalid',
    },
    {
      name: 'token_use id with the access client claim',
      token: signToken(accessClaims('alice', { token_use: 'id' })),
      reason: 'token-use-not-accepted',
    },
    { name: 'real id token (access expected)', token: idToken, reason: 'token-use-not-accepted' },
    {
      name: 'access token signature on id token payload',
      token: `${idToken.split('.')[0]}.${idToken.split('.')[1]}.${accessToken.split('.')[2]}`,
      reason: 'bad-signature',
    },
    {
      name: 'header segment garbage',
      token: `!!!.${accessToken.split('.')[1]}.${accessToken.split('.')[2]}`,
      reason: 'malformed-header',
    },
    {
      name: 'payload not JSON',
      token: `${accessToken.split('.')[0]}.${Buffer.from('not json').toString('base64url')}.${accessToken.split('.')[2]}`,
      reason: 'malformed-token',
    },
    {
      name: 'payload JSON array',
      token: `${accessToken.split('.')[0]}.${enc([1, 2])}.${accessToken.split('.')[2]}`,
      reason: 'malformed-token',
    },
    { name: 'four segments', token: `${accessToken}.extra`, reason: 'malformed-header' },
    {
      name: 'token just under the size limit',
      token: `${'a'.repeat(8_000)}.${'b'.repeat(150)}.c`,
      reason: 'malformed-token',
    },
    { name: 'token of 1 MiB', token: `${'a'.repeat(1 << 20)}.b.c`, reason: 'token-too-large' },
  ];
  for (const { name, token, reason } of attacks) {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    t.equal(response.statusCode, 401, name);
    t.same(log.rejectionReasons(response), [reason], `${name}: logged as ${reason}`);
  }
  t.equal(attackerHits, 0, 'the attacker host was never contacted');
  t.comment(
    `token attacks: ${attacks.length} tokens, all rejected, ${attackerHits} requests to the attacker host, ` +
      `${app.jwksKeys.fetchCount - fetchesBefore} JWKS fetches to the trusted issuer`,
  );

  t.test('an id token is rejected where only access tokens are configured, and the reverse', async (t) => {
    const idLog = captureLog();
    const idOnly = await buildTestApp(
      t,
      { auth: { ...testConfig('x').auth, tokenUse: ['id'] } },
      { logger: { level: 'info', stream: idLog.stream } },
    );
    const refusal = async (token: string) => {
      const response = await idOnly.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.statusCode, reasons: idLog.rejectionReasons(response) };
    };
    t.same(
      await refusal(accessToken),
      { status: 401, reasons: ['token-use-not-accepted'] },
      'access token where id expected',
    );
    const forged = signToken({ ...accessClaims('alice'), token_use: 'id', aud: undefined });
    t.same(await refusal(forged), { status: 401, reasons: ['client-not-accepted'] }, 'id token without aud');
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
