import t from 'tap';
import { APITimeoutError, APIUserAbortError, Taskboard } from '../src/index.ts';
import { hang, json, problem, startServer, task, unexpected } from './helpers/server.ts';

t.test('a request that takes longer than the timeout fails with APITimeoutError', async (t) => {
  const s = await startServer(hang);
  t.teardown(s.close);
  const started = Date.now();
  await t.rejects(new Taskboard({ baseUrl: s.url, timeout: 100, maxRetries: 0 }).me.get(), APITimeoutError);
  t.ok(Date.now() - started < 1000);
});

t.test('the per-call timeout overrides the client default; a timed-out GET is retried', async (t) => {
  const s = await startServer(hang, json(200, task));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url, timeout: 60_000 });
  const got = await tb.tasks.get('x', { timeout: 100 });
  t.equal(got.id, task.id);
  t.equal(s.requests.length, 2);
});

t.test('a body that stalls after the headers still times out', async (t) => {
  const s = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":');
  });
  t.teardown(s.close);
  await t.rejects(new Taskboard({ baseUrl: s.url, timeout: 150, maxRetries: 0 }).me.get(), APITimeoutError);
});

t.test('an already-aborted signal fails before any request', async (t) => {
  const s = await startServer(json(200, task));
  t.teardown(s.close);
  const err = await new Taskboard({ baseUrl: s.url }).tasks
    .get('x', { signal: AbortSignal.abort('navigated away') })
    .then(unexpected, (e: unknown) => e as APIUserAbortError);
  t.ok(err instanceof APIUserAbortError);
  t.equal(err.cause, 'navigated away');
  t.equal(s.requests.length, 0);
});

t.test('aborting mid-flight rejects promptly and is not retried', async (t) => {
  const s = await startServer(hang);
  t.teardown(s.close);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await t.rejects(new Taskboard({ baseUrl: s.url }).tasks.get('x', { signal: controller.signal }), APIUserAbortError);
  t.ok(Date.now() - started < 1000);
  t.equal(s.requests.length, 1);
});

t.test('aborting during the backoff wait rejects without another attempt', async (t) => {
  const s = await startServer(problem(503, { 'retry-after': '30' }));
  t.teardown(s.close);
  const controller = new AbortController();
  const tb = new Taskboard({ baseUrl: s.url, onResponse: () => void setTimeout(() => controller.abort(), 20) });
  const started = Date.now();
  await t.rejects(tb.tasks.get('x', { signal: controller.signal }), APIUserAbortError);
  t.ok(Date.now() - started < 1000);
  t.equal(s.requests.length, 1);
});
