// Issue 14, item 2: limits that run before the expensive part (body parsing, validation, token
// verification, database queries). Through app.inject on real PostgreSQL with real tokens from the
// local Cognito emulator; the request log is captured from the app's own pino logger.
import { Writable } from 'node:stream';
import t from 'tap';
import { loadAppConfig, type AppConfig } from '../../src/config.ts';
import { accessClaims, authHeader, buildTestApp, json, signToken } from '../helpers/stack.ts';

type Tap = Parameters<typeof buildTestApp>[0];

interface LogLine {
  msg?: string;
  level?: number;
  reason?: string;
  rateLimit?: string;
  key?: string;
  res?: { statusCode?: number };
}

async function appWithLog(t: Tap, overrides: Partial<AppConfig>) {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const app = await buildTestApp(t, overrides, { logger: { level: 'info', stream } });
  return { app, lines };
}

const BAD_TOKEN = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

t.test('a user at the limit gets 429 before the body is read; invalid requests count', async (t) => {
  const app = await buildTestApp(t, { rateLimit: { max: 3, windowMs: 60_000 } });
  const alice = await authHeader('alice');
  const invalid = { method: 'POST' as const, url: '/v1/projects', headers: alice, payload: { nope: true } };
  const statuses: number[] = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await app.inject(invalid)).statusCode);
  t.same(statuses, [400, 400, 400], 'three invalid requests, each counted');
  const next = await app.inject({ method: 'GET', url: '/v1/me', headers: alice });
  t.equal(next.statusCode, 429, 'a valid request after them is over the limit');
  const invalidAgain = await app.inject(invalid);
  t.equal(invalidAgain.statusCode, 429, 'a user at 429 gets 429, not a validation error');
  t.match(json(invalidAgain), {
    type: '/problems/rate-limited',
    detail: 'Rate limit of 3 requests per 60 seconds exceeded',
  });
  t.ok(Number(invalidAgain.headers['retry-after']) > 0, 'with Retry-After');
  const malformed = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: { ...alice, 'content-type': 'application/json' },
    payload: '{"not json',
  });
  t.equal(malformed.statusCode, 429, 'not even parsed');
});

t.test('requests without a valid token are limited per client address, cheaply and quietly', async (t) => {
  const { app, lines } = await appWithLog(t, { rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: 5 } });
  const attacker = { remoteAddress: '198.51.100.7' };
  const bob = await authHeader('bob');
  const bobBefore = await app.inject({ method: 'GET', url: '/v1/me', headers: bob, ...attacker });
  t.equal(bobBefore.statusCode, 200, 'a user behind the same address, served before the flood');
  const statuses: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { authorization: BAD_TOKEN },
      payload: { name: 'x' },
      ...attacker,
    });
    statuses.push(response.statusCode);
  }
  t.same(statuses.slice(0, 5), [401, 401, 401, 401, 401], 'the budget: 5 rejected tokens');
  t.ok(
    statuses.slice(5).every((status) => status === 429),
    'then 429 for the rest of the window',
  );
  const limited = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: BAD_TOKEN },
    ...attacker,
  });
  t.match(json(limited), { type: '/problems/rate-limited', status: 429 });
  t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After');

  const verified = lines.filter((line) => line.msg === 'authentication failed');
  t.equal(verified.length, 5, 'tokens past the budget are never verified (no "authentication failed" line)');
  const requestLines = lines.filter((line) => line.msg === 'request completed');
  t.equal(requestLines.filter((line) => line.res?.statusCode === 429).length, 0, 'no request line per 429');
  const warnings = lines.filter((line) => line.rateLimit === 'address');
  t.equal(warnings.length, 1, 'one warning for the address per window');
  t.equal(warnings[0]?.key, '198.51.100.7');

  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: bob, ...attacker })).statusCode,
    200,
    'a token that verified before still passes the exhausted address (a shared NAT is not locked out)',
  );
  const fresh = signToken(accessClaims('carol'));
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${fresh}` }, ...attacker }))
      .statusCode,
    429,
    'a token never seen verify is refused unverified there',
  );
  const other = await app.inject({ method: 'GET', url: '/v1/me', headers: await authHeader('alice') });
  t.equal(other.statusCode, 200, 'a caller from another address is served');
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: BAD_TOKEN } })).statusCode,
    401,
    'and another address still has its own budget',
  );
  const noToken = await app.inject({ method: 'GET', url: '/v1/me', ...attacker });
  t.equal(noToken.statusCode, 429, 'a missing token counts like a bad one');
  t.equal(
    (await app.inject({ method: 'GET', url: '/health/live', ...attacker })).statusCode,
    200,
    'health is not limited',
  );
});

// What the api sees behind API Gateway (REST, private integration over a VPC link) and the internal ALB:
// the ALB, in its default `append` mode, adds the address of the peer it received the request from
// (the VPC link's ENI, inside the VPC) to X-Forwarded-For, after whatever the request already carried:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
// ("X-Forwarded-For", "Append"; "entries can only be considered trustworthy if added by systems that
// are properly secured within the network"). The entry left of the VPC link's address is the one API
// Gateway wrote for the caller; everything further left is whatever the caller sent. With TRUST_PROXY
// set to the VPC CIDR, request.ip is the rightmost address outside the VPC, so a caller cannot pick
// its address by sending X-Forwarded-For.
t.test('TRUST_PROXY set to the VPC CIDR: the client address is the first hop outside the VPC', async (t) => {
  const { app } = await appWithLog(t, {
    rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: 3 },
    trustProxy: ['10.0.0.0/16'],
  });
  const alb = { remoteAddress: '10.0.1.20' };
  const forwarded = (spoofed: string) => ({
    authorization: BAD_TOKEN,
    'x-forwarded-for': `${spoofed}, 203.0.113.9, 10.0.0.77`,
  });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    // A different spoofed address each time: the caller tries to look like six clients.
    statuses.push(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: forwarded(`192.0.2.${i}`), ...alb })).statusCode,
    );
  }
  t.same(statuses, [401, 401, 401, 429, 429, 429], 'one client, 203.0.113.9, whatever it puts in front');
  const someoneElse = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: BAD_TOKEN, 'x-forwarded-for': '203.0.113.10, 10.0.0.77' },
    ...alb,
  });
  t.equal(someoneElse.statusCode, 401, 'another client behind the same load balancer has its own budget');

  const direct = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: BAD_TOKEN, 'x-forwarded-for': '203.0.113.11' },
    remoteAddress: '203.0.113.9',
  });
  t.equal(direct.statusCode, 429, 'a peer outside the trusted CIDR is its own address; its X-Forwarded-For is ignored');
});

t.test('by default X-Forwarded-For is ignored: the socket peer is the client', async (t) => {
  const { app } = await appWithLog(t, { rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: 2 } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: BAD_TOKEN, 'x-forwarded-for': `192.0.2.${i}` },
      remoteAddress: '198.51.100.20',
    });
    statuses.push(response.statusCode);
  }
  t.same(statuses, [401, 401, 429, 429]);
});

t.test('TRUST_PROXY is parsed strictly', async (t) => {
  const base = {
    DATABASE_URL: 'postgresql://u:p@localhost/db',
    AUTH_ISSUERS: 'http://localhost:9/p',
    AUTH_CLIENT_IDS: 'c',
  };
  t.equal(loadAppConfig(base).trustProxy, undefined, 'unset: nobody is trusted');
  t.equal(loadAppConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy, undefined);
  t.equal(loadAppConfig({ ...base, TRUST_PROXY: '2' }).trustProxy, 2);
  t.same(loadAppConfig({ ...base, TRUST_PROXY: '10.0.0.0/16, 10.1.0.5' }).trustProxy, ['10.0.0.0/16', '10.1.0.5']);
  t.throws(() => loadAppConfig({ ...base, TRUST_PROXY: 'true' }), /would let any caller choose/);
  t.throws(() => loadAppConfig({ ...base, TRUST_PROXY: '0.0.0.0/0' }), /must not trust every address/);
  t.throws(() => loadAppConfig({ ...base, TRUST_PROXY: '10.0.0.0/33' }), /hop count or a list/);
  t.throws(() => loadAppConfig({ ...base, TRUST_PROXY: 'loopback' }), /hop count or a list/);
  t.throws(() => loadAppConfig({ ...base, TRUST_PROXY: '0' }), /between 1 and 10/);
  t.equal(loadAppConfig({ ...base, RATE_LIMIT_ANONYMOUS_MAX: '7' }).rateLimit.anonymousMax, 7);
  t.equal(loadAppConfig(base).readinessCacheMs, 1_000);
});

t.test('a hop count trusts that many proxies from the socket inwards', async (t) => {
  const { app } = await appWithLog(t, { rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: 1 }, trustProxy: 2 });
  const headers = (spoofed: string) => ({
    authorization: BAD_TOKEN,
    'x-forwarded-for': `${spoofed}, 203.0.113.50, 10.0.0.77`,
  });
  const first = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: headers('192.0.2.1'),
    remoteAddress: '10.0.1.20',
  });
  const second = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: headers('192.0.2.2'),
    remoteAddress: '10.0.1.20',
  });
  t.same([first.statusCode, second.statusCode], [401, 429], 'keyed by 203.0.113.50, not the spoofed entry');
});

t.test('validation errors are capped, so a body of unknown keys gets a small answer', async (t) => {
  const app = await buildTestApp(t, { bodyLimitBytes: 65_536 });
  const alice = await authHeader('alice');
  // The issue's case: a 64 KiB body with 8,291 unknown keys answered with a 446 KB error body.
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const key = (i: number): string =>
    i < 62 * 62
      ? `${alphabet[Math.floor(i / 62)]}${alphabet[i % 62]}`
      : `${alphabet[Math.floor(i / 3844) % 62]}${alphabet[Math.floor(i / 62) % 62]}${alphabet[i % 62]}`;
  const body: Record<string, number> = { name: 1 };
  for (let i = 0; i < 8_291; i += 1) body[key(i)] = 0;
  t.equal(Object.keys(body).length, 8_292, '8,291 unknown keys and a wrongly typed name');
  const payload = JSON.stringify(body);
  t.ok(payload.length > 60_000 && payload.length <= 65_536, `request body ${payload.length} bytes`);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: { ...alice, 'content-type': 'application/json' },
    payload,
  });
  t.equal(response.statusCode, 400);
  const problem = json(response) as { errors: unknown[]; detail: string };
  t.equal(problem.errors.length, 20, 'at most 20 field errors');
  t.match(problem.detail, /\(8292 errors; the first 20 are listed\)$/, 'the detail says how many there were');
  t.ok(response.body.length < 4_096, `error body ${response.body.length} bytes (was 446 KB)`);
  t.comment(
    `validation cap: ${payload.length}-byte body with 8,291 unknown keys → ${response.body.length}-byte error body`,
  );

  const longKey = { name: 'ok', ['x'.repeat(60_000)]: 1 };
  const long = await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: longKey });
  t.equal(long.statusCode, 400);
  t.ok(long.body.length < 2_048, `a 60,000-character key gives a ${long.body.length}-byte error body`);
  t.match(json(long), { errors: [{ path: /^\/body\/x+…$/, message: 'is not a known field' }] });

  const few = await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 1 } });
  t.notMatch(json(few).detail, /listed/, 'no note when nothing was left out');
});

t.test('readiness runs one check per period, shared by concurrent callers', async (t) => {
  const app = await buildTestApp(t, { readinessCacheMs: 60_000 });
  let checkouts = 0;
  app.database.pool.on('acquire', () => {
    checkouts += 1;
  });
  const flood = await Promise.all(
    Array.from({ length: 200 }, () => app.inject({ method: 'GET', url: '/health/ready' })),
  );
  t.ok(
    flood.every((response) => response.statusCode === 200),
    '200 readiness answers',
  );
  t.ok(
    checkouts >= 1 && checkouts <= 2,
    `${checkouts} database checkouts for 200 concurrent calls (a query and the migrations read)`,
  );
  const later = checkouts;
  for (let i = 0; i < 50; i += 1) await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(checkouts, later, 'none for 50 more calls within the period');
  t.comment(`readiness cache: 250 calls → ${checkouts} database checkouts`);

  app.draining = true;
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503, 'draining is never cached');
});

t.test('without the cache every readiness call queries (the regression the cache fixes)', async (t) => {
  const app = await buildTestApp(t, { readinessCacheMs: 0 });
  let checkouts = 0;
  app.database.pool.on('acquire', () => {
    checkouts += 1;
  });
  for (let i = 0; i < 20; i += 1) await app.inject({ method: 'GET', url: '/health/ready' });
  t.ok(checkouts >= 20, `${checkouts} checkouts for 20 calls`);
});

/** Sends requests from `concurrency` loops for `ms` over a real socket; counts answers by status. */
async function flood(url: string, init: RequestInit, ms: number, concurrency = 32): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const response = await fetch(url, init);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

// The figures in docs/reliability.md ("Limits before parsing") come from this test's comments.
t.test('figures: a bad-token flood and a readiness flood over a real socket', async (t) => {
  const seconds = 2;
  const runs: Array<{ label: string; anonymousMax: number }> = [
    { label: 'no address limit (as before)', anonymousMax: 1_000_000 },
    { label: 'RATE_LIMIT_ANONYMOUS_MAX=60', anonymousMax: 60 },
  ];
  const rates: number[] = [];
  for (const run of runs) {
    let logLines = 0;
    let logBytes = 0;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logBytes += chunk.length;
        for (const byte of chunk) if (byte === 10) logLines += 1;
        done();
      },
    });
    const app = await buildTestApp(
      t,
      { rateLimit: { max: 1_000, windowMs: 60_000, anonymousMax: run.anonymousMax } },
      { logger: { level: 'info', stream } },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const statuses = await flood(
      `http://127.0.0.1:${port}/v1/me`,
      { headers: { authorization: BAD_TOKEN } },
      seconds * 1000,
    );
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    rates.push(total / seconds);
    t.comment(
      `bad-token flood, ${run.label}: ${Math.round(total / seconds)} requests/s, ` +
        `${statuses.get(401) ?? 0} × 401, ${statuses.get(429) ?? 0} × 429, ${logLines} log lines (${Math.round(logBytes / 1024)} KiB)`,
    );
    if (run.anonymousMax === 60) {
      t.equal(statuses.get(401), 60, 'the budget is spent, then only 429');
      t.ok(logLines < 130, `${logLines} log lines for ${total} requests`);
    }
  }

  for (const cacheMs of [0, 1_000]) {
    const app = await buildTestApp(t, { readinessCacheMs: cacheMs });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    let checkouts = 0;
    app.database.pool.on('acquire', () => {
      checkouts += 1;
    });
    const statuses = await flood(`http://127.0.0.1:${port}/health/ready`, {}, seconds * 1000);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    t.comment(
      `readiness flood, READINESS_CACHE_MS=${cacheMs}: ${total} calls in ${seconds} s, ${checkouts} database checkouts`,
    );
    if (cacheMs > 0) t.ok(checkouts <= 2 * (seconds + 1), `${checkouts} checkouts: about two per second at most`);
  }
});
