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

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

t.test('aborting synchronously after the call (before it reaches fetch) sends nothing', async (t) => {
  const s = await startServer(json(200, task));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  const controller = new AbortController();
  const got = tb.tasks.get('x', { signal: controller.signal });
  const page = tb.tasks.list('p', { status: 'todo' }, { signal: controller.signal }).firstPage();
  controller.abort('navigated away');
  const err = await got.then(unexpected, (e: unknown) => e as APIUserAbortError);
  t.ok(err instanceof APIUserAbortError);
  t.equal(err.cause, 'navigated away');
  await t.rejects(page, APIUserAbortError);
  await wait(50);
  t.equal(s.requests.length, 0);
});

t.test('aborting while an async token function is pending rejects at once and sends nothing', async (t) => {
  const s = await startServer(json(200, task));
  t.teardown(s.close);
  const token = (): Promise<string> => wait(300).then(() => 'slow-token');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const started = Date.now();
  await t.rejects(
    new Taskboard({ baseUrl: s.url, token }).tasks.get('x', { signal: controller.signal }),
    APIUserAbortError,
  );
  t.ok(Date.now() - started < 250, 'does not wait for the token');
  await wait(400);
  t.equal(s.requests.length, 0);
});

t.test('a create aborted during a slow onRequest hook is never sent', async (t) => {
  const s = await startServer(json(201, { id: 'p' }));
  t.teardown(s.close);
  const controller = new AbortController();
  const tb = new Taskboard({ baseUrl: s.url, token: 't', onRequest: () => wait(300) });
  setTimeout(() => controller.abort(), 20);
  const started = Date.now();
  await t.rejects(tb.projects.create({ name: 'n' }, { signal: controller.signal }), APIUserAbortError);
  t.ok(Date.now() - started < 250, 'does not wait for the hook');
  await wait(400);
  t.equal(s.requests.length, 0);
});

t.test('an abort landing in any microtask between the hook and fetch still sends nothing', async (t) => {
  const s = await startServer(json(200, task));
  t.teardown(s.close);
  for (let depth = 0; depth < 8; depth++) {
    const controller = new AbortController();
    const onRequest = (): Promise<void> => {
      let p = Promise.resolve();
      for (let i = 0; i < depth; i++) p = p.then(() => undefined);
      void p.then(() => controller.abort());
      return Promise.resolve();
    };
    const tb = new Taskboard({ baseUrl: s.url, onRequest });
    await t.rejects(tb.tasks.get('x', { signal: controller.signal }), APIUserAbortError, `depth ${depth}`);
  }
  await wait(50);
  t.equal(s.requests.length, 0);
});

t.test('an abort that fires before the backoff wait starts (e.g. in onResponse) ends it at once', async (t) => {
  const s = await startServer(problem(503, { 'retry-after': '30' }));
  t.teardown(s.close);
  const controller = new AbortController();
  const tb = new Taskboard({ baseUrl: s.url, onResponse: () => controller.abort() });
  const started = Date.now();
  await t.rejects(tb.tasks.get('x', { signal: controller.signal }), APIUserAbortError);
  t.ok(Date.now() - started < 1000);
  t.equal(s.requests.length, 1);
});
