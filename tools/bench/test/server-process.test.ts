import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '@taskboard/local-stack';
import { startServerProcess } from '../src/server-process.ts';

// A real child process with a real socket: what the bench does with the api and the baseline.
const SERVER = `
const http = require('node:http');
console.log('child up');
http.createServer((req, res) => res.writeHead(req.url === '/ready' ? 200 : 404).end()).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

t.test('starts a child, times it to ready, reads its memory and CPU, stops it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const server = await startServerProcess({
    name: 'child',
    command: process.execPath,
    args: ['-e', SERVER],
    env: { PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/ready`,
    logPath: join(dir, 'child.log'),
  });
  t.ok(server.startupMs > 0 && server.startupMs < 30_000, `ready in ${server.startupMs.toFixed(0)} ms`);
  t.ok((await server.rss()) > 1024 * 1024);
  t.ok((await server.cpuMs()) >= 0);
  const stopTracking = server.trackPeakRss(10);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.ok((await stopTracking()) > 1024 * 1024, 'peak RSS sampled');
  await server.stop();
  await server.stop();
  t.match(await readFile(join(dir, 'child.log'), 'utf8'), 'child up', 'the child writes its own log file');
  await t.rejects(server.rss(), 'gone after stop');
});

t.test('a child that exits before it is ready is an error naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.rejects(
    startServerProcess({
      name: 'broken',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      env: {},
      readyUrl: 'http://127.0.0.1:1/ready',
      logPath: join(dir, 'broken.log'),
    }),
    /broken: exited \(3\) before it was ready/,
  );
  await t.rejects(
    startServerProcess({
      name: 'slow',
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 5000)'],
      env: {},
      readyUrl: 'http://127.0.0.1:1/ready',
      readyTimeoutMs: 200,
      logPath: join(dir, 'slow.log'),
    }),
    /slow: not ready on http:\/\/127\.0\.0\.1:1\/ready within 200 ms/,
  );
});

t.test('the server under test always runs as one process (API_WORKERS=1), whatever the caller passes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const server = await startServerProcess({
    name: 'workers',
    command: process.execPath,
    args: ['-e', `console.log('API_WORKERS=' + process.env.API_WORKERS); ${SERVER}`],
    env: { PORT: String(port), API_WORKERS: 'auto' },
    readyUrl: `http://127.0.0.1:${port}/ready`,
    logPath: join(dir, 'workers.log'),
  });
  await server.stop();
  t.match(await readFile(join(dir, 'workers.log'), 'utf8'), 'API_WORKERS=1\n');
});
