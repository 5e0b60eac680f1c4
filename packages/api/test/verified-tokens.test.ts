import t from 'tap';
import { VerifiedTokens } from '../src/auth/verified-tokens.ts';
import { accessClaims, buildTestApp, json, signToken, testStack } from './helpers/stack.ts';

const NOW = 1_800_000_000_000;
const options = { max: 3, ttlMs: 600_000, clockToleranceMs: 60_000 };

t.test('an entry lives until exp plus the allowed skew, and never longer than the TTL', async (t) => {
  const tokens = new VerifiedTokens<{ exp?: unknown; sub: string }>(options);
  const soon = { exp: NOW / 1000 + 30, sub: 'a' };
  tokens.set('soon', soon, NOW);
  t.equal(tokens.get('soon', NOW + 89_999), soon, 'exp + 60 s skew - 1 ms');
  t.equal(tokens.get('soon', NOW + 90_000), undefined, 'gone at exp + skew');
  t.equal(tokens.size, 0, 'and dropped');

  tokens.set('long', { exp: NOW / 1000 + 3600, sub: 'b' }, NOW);
  t.ok(tokens.get('long', NOW + 599_999));
  t.equal(tokens.get('long', NOW + 600_000), undefined, 'the TTL bounds a long-lived token');
});

t.test('tokens without a numeric exp, or already past it, are not remembered', async (t) => {
  const tokens = new VerifiedTokens<{ exp?: unknown }>(options);
  tokens.set('none', {}, NOW);
  tokens.set('text', { exp: '1900000000' }, NOW);
  tokens.set('inf', { exp: Number.POSITIVE_INFINITY }, NOW);
  tokens.set('past', { exp: NOW / 1000 - 61 }, NOW);
  t.equal(tokens.size, 0);
});

t.test('at most max entries: the oldest goes first, a re-set one moves to the back', async (t) => {
  const tokens = new VerifiedTokens<{ exp: number }>(options);
  const claims = { exp: NOW / 1000 + 3600 };
  for (const token of ['a', 'b', 'c']) tokens.set(token, claims, NOW);
  tokens.set('a', claims, NOW);
  tokens.set('d', claims, NOW);
  t.equal(tokens.size, 3);
  t.equal(tokens.get('b', NOW), undefined, 'b was the oldest');
  t.ok(tokens.get('a', NOW));
  t.ok(tokens.get('c', NOW));
  t.ok(tokens.get('d', NOW));
});

t.test('a reused token is verified once; its claims are still checked on every request', async (t) => {
  const app = await buildTestApp(t);
  let keyLookups = 0;
  const publicKey = app.jwksKeys.publicKey.bind(app.jwksKeys);
  app.jwksKeys.publicKey = async (...args) => {
    keyLookups += 1;
    return await publicKey(...args);
  };
  const me = (token: string) =>
    app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });

  const token = signToken(accessClaims('alice'));
  for (let i = 0; i < 3; i++) t.equal((await me(token)).statusCode, 200);
  t.equal(keyLookups, 1, 'verified (and its key looked up) once for three requests');
  t.equal(json(await me(token)).id, testStack().users.alice.sub);

  // A token that fails verification is never remembered: tampering with a cached one is caught.
  const [header, payload] = token.split('.');
  const forged = `${header}.${payload}.${'A'.repeat(342)}`;
  t.equal((await me(forged)).statusCode, 401);
  t.equal((await me(forged)).statusCode, 401, 'still rejected the second time');

  // Claims checks run on the cached claims: a verified token for another client stays refused.
  const otherClient = signToken(accessClaims('alice', { client_id: 'someone-else' }));
  t.equal((await me(otherClient)).statusCode, 401);
  t.equal((await me(otherClient)).statusCode, 401);
});
