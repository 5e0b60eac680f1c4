import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { openLoopNumbers, openLoopPhase, runOpenLoop } from '../src/open-loop.ts';

interface Seen {
  method: string;
  url: string;
  body: string;
  auth: string | undefined;
}

async function listen(handler: (seen: Seen) => { status: number; delayMs?: number }): Promise<{
  url: string;
  seen: Seen[];
  server: Server;
}> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization };
      seen.push(entry);
      const { status, delayMs = 0 } = handler(entry);
      setTimeout(() => {
        res.writeHead(status, { etag: `"${seen.length}"` });
        res.end('{}');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

const busyWait = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Blocks this process's event loop, as a GC pause or a busy generator would.
  }
};

t.test('sends rate × duration requests with the common and per-request headers', async (t) => {
  const { url, seen, server } = await listen(() => ({ status: 200 }));
  t.teardown(() => server.close());
  const statuses: number[] = [];
  let n = 0;
  const started = performance.now();
  const samples = await runOpenLoop({
    url,
    rate: 100,
    durationSeconds: 0.5,
    headers: { authorization: 'Bearer x' },
    next: () => ({
      method: 'POST',
      path: `/items/${n++}`,
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
      done: (status) => statuses.push(status),
    }),
  });
  const elapsed = performance.now() - started;
  t.equal(samples.sent, 50);
  t.equal(samples.completed, 50);
  t.equal(samples.errors, 0);
  t.equal(samples.non2xx, 0);
  t.equal(samples.latenciesMs.length, 50);
  t.equal(statuses.length, 50, 'done sees every answer');
  t.ok(elapsed >= 490, `the schedule spreads the requests over the duration (${elapsed.toFixed(0)} ms)`);
  t.same(seen[0], { method: 'POST', url: '/items/0', body: '{"a":1}', auth: 'Bearer x' });
  t.equal(seen[49]?.url, '/items/49');
});

t.test('latency counts from the intended send time: a stall delays and is charged, never omitted', async (t) => {
  const { url, server } = await listen(() => ({ status: 200 }));
  t.teardown(() => server.close());
  // 200 req/s for 1 s; the load generator freezes for 200 ms at 300 ms. A closed-loop tool (or
  // one timing from the actual send) would send ~40 fewer requests or report them as fast.
  setTimeout(() => busyWait(200), 300);
  const samples = await runOpenLoop({
    url,
    rate: 200,
    durationSeconds: 1,
    headers: {},
    next: () => ({ method: 'GET', path: '/' }),
  });
  t.equal(samples.sent, 200, 'every scheduled request is sent');
  t.equal(samples.completed, 200);
  const delayed = samples.latenciesMs.filter((ms) => ms >= 100).length;
  t.ok(delayed >= 20, `requests due during the stall carry it in their latency (${delayed} ≥ 100 ms)`);
  t.ok(Math.max(...samples.latenciesMs) >= 180, 'the first one due in the stall waited about the whole stall');
  t.ok(Math.max(...samples.sendLagsMs) >= 180, 'and the generator reports it sent late');
});

t.test('a slow answer does not hold back the next send (open loop)', async (t) => {
  let first = true;
  const { url, seen, server } = await listen(() => {
    const delayMs = first ? 400 : 0;
    first = false;
    return { status: 200, delayMs };
  });
  t.teardown(() => server.close());
  const samples = await runOpenLoop({
    url,
    rate: 50,
    durationSeconds: 0.4,
    headers: {},
    next: () => ({ method: 'GET', path: '/' }),
  });
  t.equal(samples.sent, 20);
  t.equal(seen.length, 20);
  t.ok(Math.max(...samples.latenciesMs) >= 390, 'the slow one is measured as slow');
  t.ok(samples.latenciesMs.filter((ms) => ms < 100).length >= 18, 'the others are not queued behind it');
});

t.test('non-2xx answers, refused connections and timeouts are counted', async (t) => {
  const { url, server } = await listen((seen) =>
    seen.url === '/slow' ? { status: 200, delayMs: 1_000 } : { status: 412 },
  );
  t.teardown(() => server.close());
  const failed = await runOpenLoop({
    url,
    rate: 20,
    durationSeconds: 0.2,
    headers: {},
    next: () => ({ method: 'GET', path: '/' }),
  });
  t.equal(failed.non2xx, 4);
  t.equal(failed.completed, 4);

  const statuses: number[] = [];
  const timedOut = await runOpenLoop({
    url,
    rate: 10,
    durationSeconds: 0.1,
    headers: {},
    timeoutMs: 100,
    next: () => ({ method: 'GET', path: '/slow', done: (status) => statuses.push(status) }),
  });
  t.equal(timedOut.errors, 1);
  t.equal(timedOut.completed, 0);
  t.same(statuses, [0], 'done hears about the failure (status 0)');

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await runOpenLoop({
    url: `http://127.0.0.1:${port}`,
    rate: 10,
    durationSeconds: 0.2,
    headers: {},
    next: () => ({ method: 'GET', path: '/' }),
  });
  t.equal(refused.errors, 2);
});

t.test('openLoopNumbers: percentiles from intended time, CPU per answered request', async (t) => {
  const latenciesMs = Array.from({ length: 100 }, (_, i) => i + 1);
  const numbers = openLoopNumbers(
    100,
    { sent: 101, completed: 100, latenciesMs, sendLagsMs: [0, 0, 5], errors: 1, non2xx: 2 },
    50,
    123,
  );
  t.same(numbers, {
    rate: 100,
    sent: 101,
    completed: 100,
    latencyP50Ms: 50,
    latencyP99Ms: 99,
    errors: 1,
    non2xx: 2,
    peakRssBytes: 123,
    cpuMsPerRequest: 0.5,
    sendLagP99Ms: 5,
  });
  t.ok(
    Number.isNaN(
      openLoopNumbers(1, { ...numbers, latenciesMs: [], sendLagsMs: [], completed: 0 }, 5, 0).cpuMsPerRequest,
    ),
  );
});

t.test('openLoopPhase warms up, then measures CPU and peak RSS over the measured run only', async (t) => {
  const { url, seen, server } = await listen(() => ({ status: 200 }));
  t.teardown(() => server.close());
  const cpu = [10, 30];
  const events: string[] = [];
  const numbers = await openLoopPhase({
    url,
    rate: 40,
    durationSeconds: 0.25,
    warmupSeconds: 0.1,
    headers: {},
    next: () => ({ method: 'GET', path: '/' }),
    trackPeakRss: () => {
      events.push(`track after ${seen.length}`);
      return async () => 7;
    },
    cpuMs: async () => cpu.shift() ?? Number.NaN,
    beforeEachRun: async () => {
      events.push(`before run after ${seen.length}`);
    },
  });
  t.same(
    events,
    ['before run after 0', 'before run after 4', 'track after 4'],
    'the 4 warm-up requests come before tracking starts',
  );
  t.equal(seen.length, 14);
  t.equal(numbers.sent, 10);
  t.equal(numbers.cpuMsPerRequest, 2);
  t.equal(numbers.peakRssBytes, 7);
});
