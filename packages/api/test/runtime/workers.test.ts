/**
 * API_WORKERS on the real process (`node src/server.ts`, real sockets, real PostgreSQL): the primary
 * forks as many workers as configured, they answer on one shared port, a crashed worker is replaced,
 * and one SIGTERM drains them together: readiness 503 from every worker, the in-flight request
 * completes after the listener closed, new connections are refused, exit 0.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { SERVER_ENTRY, spawnServer, type ServerProcess, type TapTest } from '../helpers/server-process.ts';
import { authHeader } from '../helpers/stack.ts';

// Each test starts two or three api processes; on a busy 2-core machine one takes several seconds.
t.setTimeout(360_000);

type Started = ServerProcess;

interface LogLine {
  readonly pid?: number;
  readonly msg?: string;
  readonly role?: string;
  readonly req?: { readonly url?: string };
  readonly res?: { readonly statusCode?: number };
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Requests are told apart by a query parameter: it is logged with the url whatever the request id policy. */
function probeOf(line: LogLine): string {
  return new URL(line.req?.url ?? '/', 'http://x').searchParams.get('probe') ?? '';
}

/** Pids of the workers that said they listen (pino's "Server listening at ..."). */
function listeningPids(output: string): number[] {
  return logLines(output)
    .filter((line) => line.msg?.startsWith('Server listening') === true)
    .map((line) => line.pid ?? 0);
}

/** One request on a connection of its own (agent: false), so the primary hands each to a worker. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    // A request that never answers fails the test instead of hanging it.
    req.setTimeout(20_000, () => req.destroy(new Error(`${path}: no answer in 20 s`)));
    req.end();
  });
}

async function startServer(t: TapTest, env: Record<string, string>): Promise<Started> {
  const server = await spawnServer(t, env, { poolMax: 6 });
  const { child, output } = server;
  const workers = Number(env.API_WORKERS ?? '1');
  for (let i = 0; ; i++) {
    if (listeningPids(output()).length >= workers) break;
    if (i > 600 || child.exitCode !== null) throw new Error(`server did not start:\n${output()}`);
    await sleep(100);
  }
  return server;
}

/** Sends `count` requests on as many connections, `parallel` at a time; returns the pid that logged each. */
async function answeringPids(server: Started, count: number, parallel = 6): Promise<Set<number>> {
  const ids = Array.from({ length: count }, (_, index) => `workers-${process.pid}-${Date.now()}-${index}`);
  for (let i = 0; i < ids.length; i += parallel) {
    await Promise.all(
      ids.slice(i, i + parallel).map(async (id) => {
        const response = await get(server.port, `/health/live?probe=${id}`);
        if (response.status !== 200) throw new Error(`${id}: ${response.status}`);
      }),
    );
  }
  await sleep(200);
  const wanted = new Set(ids);
  return new Set(
    logLines(server.output())
      .filter((line) => line.msg === 'request completed' && wanted.has(probeOf(line)))
      .map((line) => line.pid ?? 0),
  );
}

t.test('API_WORKERS=3: three worker processes answer on the one port', async (t) => {
  const server = await startServer(t, { API_WORKERS: '3' });
  const workers = new Set(listeningPids(server.output()));
  t.equal(workers.size, 3, 'three workers listen');
  t.notOk(workers.has(server.child.pid ?? 0), 'the primary serves nothing itself');
  const pids = await answeringPids(server, 36);
  t.same([...pids].sort(), [...workers].sort(), 'every worker answered, and only workers answered');
  t.match(server.output(), /"role":"primary".*"workers":3,"msg":"starting workers"/);
  server.child.kill('SIGTERM');
});

t.test('a worker that dies is replaced and the others keep serving', async (t) => {
  const server = await startServer(t, { API_WORKERS: '2', DRAIN_WINDOW_MS: '0' });
  const [victim, survivor] = listeningPids(server.output());
  process.kill(victim ?? 0, 'SIGKILL');
  const restarting = new RegExp(`"workerPid":${victim},"code":null,"signal":"SIGKILL","restartInMs":500`);
  // A connection the primary hands over in the instant the worker dies is lost with it (node:cluster
  // round-robin; docs/decisions/0004): ask only once the primary has seen the exit.
  for (let i = 0; !restarting.test(server.output()); i++) {
    if (i > 300) throw new Error(`the primary did not see the exit:\n${server.output()}`);
    await sleep(50);
  }
  // While it is gone, the port still answers through the other worker.
  t.equal((await get(server.port, '/health/live')).status, 200);
  for (let i = 0; listeningPids(server.output()).length < 3; i++) {
    if (i > 600) throw new Error(`no replacement:\n${server.output()}`);
    await sleep(100);
  }
  const replacement = listeningPids(server.output())[2];
  t.not(replacement, victim);
  const pids = await answeringPids(server, 24);
  t.same([...pids].sort(), [replacement, survivor].sort(), 'the replacement and the survivor answer');
  server.child.kill('SIGTERM');
  t.equal((await server.exited).code, 0);
});

t.test('SIGTERM drains every worker together: in-flight request completes, then refused, exit 0', async (t) => {
  // Long enough for the steps below on a busy 2-core machine; each step waits on the logs, not the clock.
  const drainWindowMs = 10_000;
  const server = await startServer(t, {
    API_WORKERS: '2',
    DRAIN_WINDOW_MS: String(drainWindowMs),
    SHUTDOWN_DEADLINE_MS: '30000',
  });
  const workers = [...new Set(listeningPids(server.output()))].sort();
  const { authorization } = await authHeader('alice');
  // A create whose headers arrive before the listeners close and whose body arrives after.
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  t.teardown(() => socket.destroy());
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const body = JSON.stringify({ name: 'in flight while draining' });

  const sigtermAt = Date.now();
  server.child.kill('SIGTERM');
  // Readiness fails on every worker: new connections land on both (told apart by their logs).
  const notReadyPids = (): number[] => {
    const lines = logLines(server.output()).filter(
      (line) => line.msg === 'request completed' && probeOf(line).startsWith('drain-') && line.res?.statusCode === 503,
    );
    return [...new Set(lines.map((line) => line.pid ?? 0))].sort();
  };
  for (let i = 0; notReadyPids().length < workers.length && Date.now() - sigtermAt < drainWindowMs - 2_000; i++) {
    await get(server.port, `/health/ready?probe=drain-${i}`);
    await sleep(50); // the request's log line follows its response
  }
  t.same(notReadyPids(), workers, 'readiness 503 from every worker during the window');
  socket.write(
    `POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );

  // After the window every worker closes its listener, and the primary stops accepting on the port.
  const closing = (): number =>
    logLines(server.output()).filter((line) => line.msg?.startsWith('drain window over') === true).length;
  for (let i = 0; closing() < workers.length; i++) {
    if (i > 600) throw new Error(`the workers did not close:\n${server.output()}`);
    await sleep(100);
  }
  let refused = '';
  for (let i = 0; i < 50 && refused !== 'ECONNREFUSED'; i++) {
    refused = await new Promise<string>((resolve) => {
      const probe = connect(server.port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve('connected');
      });
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    });
    if (refused !== 'ECONNREFUSED') await sleep(100);
  }
  t.equal(refused, 'ECONNREFUSED', 'new connections are refused once the listeners closed');
  t.equal(server.child.exitCode, null, 'still running: a request is in flight');

  socket.write(body.slice(5));
  const { code, at } = await server.exited;
  t.match(answer, /^HTTP\/1\.1 201 /, 'the in-flight request completed');
  t.match(answer, /in flight while draining/);
  t.equal(code, 0, 'exit code 0');
  t.ok(at - sigtermAt >= drainWindowMs, 'kept serving for the whole window');
  const cleanly = logLines(server.output()).filter((line) => line.msg === 'shut down cleanly');
  t.same(cleanly.map((line) => line.pid).sort(), workers, 'every worker shut down cleanly');
  t.match(server.output(), /"role":"primary","exitCode":0,"msg":"all workers stopped: exiting"/);
});

t.test('a second SIGTERM to the primary kills the workers and exits 1', async (t) => {
  const server = await startServer(t, { API_WORKERS: '2', DRAIN_WINDOW_MS: '30000' });
  const workers = listeningPids(server.output());
  server.child.kill('SIGTERM');
  await sleep(200);
  server.child.kill('SIGTERM');
  const { code } = await server.exited;
  t.equal(code, 1);
  t.match(server.output(), /"reason":"second signal".*second signal during shutdown: exiting now/);
  for (const pid of workers) {
    // Killed workers become zombies until init reaps them (their parent is gone): count those as gone.
    let state = '';
    for (let i = 0; i < 50; i++) {
      state = await readFile(`/proc/${pid}/stat`, 'utf8').then(
        (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3),
        () => 'gone',
      );
      if (state === 'gone' || state === 'Z') break;
      await sleep(100);
    }
    t.match(state, /^(gone|Z)$/, `worker ${pid} is gone`);
  }
});

t.test('an invalid API_WORKERS stops start-up with exit 78, before any worker', async (t) => {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: 'postgresql://u@127.0.0.1:1/x',
      AUTH_ISSUERS: 'http://x',
      AUTH_CLIENT_IDS: 'c',
      API_WORKERS: 'many',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  t.equal(code, 78);
  t.match(output, /configuration error: API_WORKERS must be a whole number or "auto", got "many"/);
});
