import t from 'tap';
import {
  APIConnectionError,
  InternalServerError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitError,
  Taskboard,
} from '../src/index.ts';
import { retryDelay, uuid } from '../src/runtime/client.ts';
import { drop, json, problem, startServer, task } from './helpers/server.ts';

const instant = { 'retry-after': '0' };

t.test('GET retries 5xx and 408 then succeeds', async (t) => {
  const s = await startServer(problem(503, instant), problem(408, instant), json(200, task));
  t.teardown(s.close);
  const got = await new Taskboard({ baseUrl: s.url }).tasks.get(task.id);
  t.equal(got.id, task.id);
  t.equal(s.requests.length, 3);
});

t.test('gives up after maxRetries and throws the last error', async (t) => {
  const s = await startServer(problem(500, instant));
  t.teardown(s.close);
  await t.rejects(new Taskboard({ baseUrl: s.url, maxRetries: 3 }).tasks.get('x'), InternalServerError);
  t.equal(s.requests.length, 4);
  await t.rejects(new Taskboard({ baseUrl: s.url }).tasks.get('x', { maxRetries: 0 }), InternalServerError);
  t.equal(s.requests.length, 5);
});

t.test('does not retry errors that will not change: 400, 404, 412', async (t) => {
  const s = await startServer(problem(404), problem(412));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  await t.rejects(tb.tasks.get('x'), NotFoundError);
  await t.rejects(tb.tasks.replace('x', { title: 'y' }, { ifMatch: '"1"' }), PreconditionFailedError);
  t.equal(s.requests.length, 2);
});

t.test('honours Retry-After in seconds', async (t) => {
  const s = await startServer(problem(429, { 'retry-after': '1' }), json(200, task));
  t.teardown(s.close);
  const started = Date.now();
  await new Taskboard({ baseUrl: s.url }).tasks.get('x');
  const waited = Date.now() - started;
  t.ok(waited >= 950 && waited < 2500, `waited ${waited} ms`);
});

t.test('honours Retry-After as an HTTP date', async (t) => {
  const s = await startServer(
    (req, res, i) => problem(429, { 'retry-after': new Date(Date.now() + 1500).toUTCString() })(req, res, i),
    json(200, task),
  );
  t.teardown(s.close);
  const started = Date.now();
  await new Taskboard({ baseUrl: s.url }).tasks.get('x');
  const waited = Date.now() - started;
  // HTTP dates have one-second resolution.
  t.ok(waited >= 400 && waited < 2500, `waited ${waited} ms`);
});

t.test('429 that keeps coming surfaces as RateLimitError', async (t) => {
  const s = await startServer(problem(429, instant));
  t.teardown(s.close);
  await t.rejects(new Taskboard({ baseUrl: s.url, maxRetries: 1 }).me.get(), RateLimitError);
  t.equal(s.requests.length, 2);
});

t.test('POST sends one Idempotency-Key per logical call and reuses it on retries', async (t) => {
  const s = await startServer(problem(502, instant), json(201, task), problem(500, instant), json(201, task));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  await tb.tasks.create('p', { title: 'a' });
  await tb.tasks.create('p', { title: 'a' });
  const keys = s.requests.map((r) => r.headers['idempotency-key']);
  t.match(keys[0], /^[0-9a-f-]{36}$/);
  t.equal(keys[0], keys[1], 'retry reuses the key');
  t.equal(keys[2], keys[3], 'retry reuses the key');
  t.not(keys[0], keys[2], 'a new call gets a new key');
  t.same(
    s.requests.map((r) => r.body),
    Array(4).fill('{"title":"a"}'),
  );
});

t.test('a caller-supplied idempotency key is used as is', async (t) => {
  const s = await startServer(problem(503, instant), json(201, { id: 'p' }));
  t.teardown(s.close);
  await new Taskboard({ baseUrl: s.url }).projects.create({ name: 'n' }, { idempotencyKey: 'my-key' });
  t.same(
    s.requests.map((r) => r.headers['idempotency-key']),
    ['my-key', 'my-key'],
  );
});

t.test('connection errors are retried with backoff, then thrown as APIConnectionError', async (t) => {
  const s = await startServer(drop, json(200, task));
  t.teardown(s.close);
  const started = Date.now();
  await new Taskboard({ baseUrl: s.url }).tasks.get('x');
  const waited = Date.now() - started;
  t.ok(waited >= 350 && waited < 1500, `first backoff is ~0.5 s with jitter, waited ${waited} ms`);
  const failing = await startServer(drop);
  t.teardown(failing.close);
  const err = await new Taskboard({ baseUrl: failing.url, maxRetries: 0 }).tasks.get('x').catch((e: unknown) => e);
  t.ok(err instanceof APIConnectionError);
  t.ok((err as Error).cause, 'keeps the underlying fetch error as cause');
});

t.test('retryDelay: backoff doubles from 0.5 s, caps at 8 s, jitters down by at most 25%', (t) => {
  for (const { attempt, max } of [
    { attempt: 0, max: 500 },
    { attempt: 1, max: 1000 },
    { attempt: 2, max: 2000 },
    { attempt: 6, max: 8000 },
    { attempt: 10, max: 8000 },
  ]) {
    for (let i = 0; i < 20; i++) {
      const d = retryDelay(attempt, undefined);
      t.ok(d <= max && d >= max * 0.75, `attempt ${attempt}: ${d}`);
    }
  }
  t.end();
});

t.test('retryDelay: Retry-After forms and bounds', (t) => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  const h = (init: Record<string, string>): Headers => new Headers(init);
  t.equal(retryDelay(0, h({ 'retry-after': '3' }), now), 3000);
  t.equal(retryDelay(0, h({ 'retry-after': '0.5' }), now), 500);
  t.equal(retryDelay(0, h({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
  t.equal(retryDelay(0, h({ 'retry-after': 'Thu, 26 Nov 2026 00:00:10 GMT' }), now), 10_000);
  // Absurd, past or garbage values fall back to backoff rather than stalling or hammering.
  for (const bad of ['3600', 'Wed, 25 Nov 2026 00:00:00 GMT', 'soon']) {
    const d = retryDelay(0, h({ 'retry-after': bad }), now);
    t.ok(d >= 375 && d <= 500, `${bad} → backoff ${d}`);
  }
  t.end();
});

t.test('idempotency keys are UUID v4s, also where crypto.randomUUID is missing (plain-http pages)', (t) => {
  const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  t.match(uuid(), v4);
  const insecure = { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) } as unknown as Crypto;
  const keys = new Set(Array.from({ length: 50 }, () => uuid(insecure)));
  t.equal(keys.size, 50);
  for (const key of keys) t.match(key, v4);
  t.end();
});
