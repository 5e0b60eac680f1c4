/**
 * `npm run bench`: the api (production build) and the baseline side by side, in one run,
 * against one embedded PostgreSQL with one seeded data set. Prints the table and writes
 * JSON to bench-results/. Settings: see options.ts (BENCH_DURATION, BENCH_CONNECTIONS, ...).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { freePort } from '@taskboard/local-stack';
import { measure as measureSdk } from '../../../packages/sdk/scripts/size.ts';
import { buildBaseline } from './build-baseline.ts';
import { loadPhase } from './load.ts';
import { benchOptions } from './options.ts';
import { formatReport, writeResult, type BenchResult, type ScenarioResult } from './report.ts';
import { seed, type SeededData } from './seed.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { startStack } from './stack.ts';
import type { Kind } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_DIR = join(ROOT, 'packages/api');
const options = benchOptions(process.env, join(ROOT, 'bench-results'));
const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0] ?? 0;

/** Settles the process after start-up before reading its idle RSS. */
const IDLE_SETTLE_MS = 2_000;

interface Scenario {
  readonly name: string;
  readonly kind: Kind;
  /** Requests for one server; `writePool` is the tasks that server's PUTs may replace. */
  requests(data: SeededData, writePool: readonly string[]): autocannon.Request[];
}

const TASK_BODY = JSON.stringify({
  title: 'Benchmark task',
  description: 'Created by npm run bench',
  priority: 'high',
});

/**
 * PUTs with If-Match need the task's current version, and two requests in flight must not
 * replace the same task (one would 412). Each request takes a task from a free list and
 * returns it with the new version from the ETag when its response arrives.
 */
function replaceRequests(pool: readonly string[]): autocannon.Request[] {
  const free = [...pool];
  const versions = new Map(pool.map((id) => [id, 1]));
  return [
    {
      method: 'PUT',
      setupRequest: (request, context) => {
        const taskId = free.shift() ?? pool[Math.floor(Math.random() * pool.length)] ?? '';
        (context as { taskId?: string }).taskId = taskId;
        return {
          ...request,
          path: `/v1/tasks/${taskId}`,
          headers: { ...request.headers, 'if-match': `"${versions.get(taskId) ?? 1}"` },
          body: JSON.stringify({ title: `Replaced ${Date.now()}`, status: 'in_progress', priority: 'urgent' }),
        };
      },
      onResponse: (status, _body, context, headers) => {
        const taskId = (context as { taskId?: string }).taskId ?? '';
        const etag = /^"(\d+)"$/.exec(String(headers?.etag ?? ''));
        if (status === 200 && etag?.[1] !== undefined) versions.set(taskId, Number(etag[1]));
        free.push(taskId);
      },
    },
  ];
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'list-tasks',
    kind: 'read',
    requests: (data) => [{ method: 'GET', path: `/v1/projects/${data.projectId}/tasks?limit=20` }],
  },
  { name: 'get-task', kind: 'read', requests: (data) => [{ method: 'GET', path: `/v1/tasks/${data.readTaskId}` }] },
  {
    name: 'create-task',
    kind: 'write',
    requests: (data) => [{ method: 'POST', path: `/v1/projects/${data.projectId}/tasks`, body: TASK_BODY }],
  },
  { name: 'replace-task', kind: 'write', requests: (_data, pool) => replaceRequests(pool) },
];

async function idleRss(server: ServerProcess): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  return await server.rss();
}

function log(message: string): void {
  console.error(`# ${message}`);
}

async function main(): Promise<void> {
  await mkdir(options.resultsDir, { recursive: true });
  if (options.build) {
    log('building the api (npm run build -w @taskboard/api)');
    execFileSync('npm', ['run', '-s', 'build', '-w', '@taskboard/api'], { cwd: ROOT, stdio: 'inherit' });
  }
  const baselineJs = await buildBaseline();
  log('starting PostgreSQL and the Cognito emulator, applying migrations');
  const stack = await startStack();
  const servers: ServerProcess[] = [];
  try {
    log(`seeding ${options.tasks} tasks + ${options.otherProjects} other projects`);
    const data = await seed({
      databaseUrl: stack.databaseUrl,
      userId: stack.userId,
      email: stack.email,
      tasks: options.tasks,
      otherProjects: options.otherProjects,
    });
    const env = { ...(process.env as Record<string, string>), NODE_ENV: 'production' };
    const stamp = startedAt.replace(/[:.]/g, '-');

    const apiPort = await freePort();
    const api = await startServerProcess({
      name: 'api',
      command: process.execPath,
      args: [...options.apiNodeFlags, 'dist/server.js'],
      cwd: API_DIR,
      env: {
        ...env,
        DATABASE_URL: stack.databaseUrl,
        DATABASE_POOL_MAX: String(options.poolMax),
        AUTH_ISSUERS: stack.issuer,
        AUTH_CLIENT_IDS: stack.clientId,
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        LOG_LEVEL: options.apiLogLevel,
        // The bench measures throughput, not the per-user budget (its maximum allowed value).
        RATE_LIMIT_MAX: '1000000',
        // No load balancer to drain from: stop at once (and write --cpu-prof profiles on exit).
        DRAIN_WINDOW_MS: '0',
      },
      readyUrl: `http://127.0.0.1:${apiPort}/health/ready`,
      logPath: join(options.resultsDir, `api-${stamp}.log`),
    });
    servers.push(api);
    const apiIdle = await idleRss(api);
    log(`api ready in ${api.startupMs.toFixed(0)} ms, idle RSS ${(apiIdle / 1048576).toFixed(1)} MB`);

    const basePort = await freePort();
    const baseline = await startServerProcess({
      name: 'baseline',
      command: process.execPath,
      args: [baselineJs],
      env: {
        ...env,
        DATABASE_URL: stack.databaseUrl,
        DATABASE_POOL_MAX: String(options.poolMax),
        BENCH_USER_ID: stack.userId,
        HOST: '127.0.0.1',
        PORT: String(basePort),
      },
      readyUrl: `http://127.0.0.1:${basePort}/health/ready`,
      logPath: join(options.resultsDir, `baseline-${stamp}.log`),
    });
    servers.push(baseline);
    const baselineIdle = await idleRss(baseline);
    log(`baseline ready in ${baseline.startupMs.toFixed(0)} ms, idle RSS ${(baselineIdle / 1048576).toFixed(1)} MB`);

    // Disjoint halves of the seeded tasks for the two servers' PUTs.
    const half = Math.floor(data.writeTaskIds.length / 2);
    const pools = { api: data.writeTaskIds.slice(0, half), baseline: data.writeTaskIds.slice(half) };
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      if (options.only.length > 0 && !options.only.includes(scenario.name)) continue;
      const phase = (server: ServerProcess, port: number, headers: Record<string, string>, pool: readonly string[]) =>
        loadPhase({
          url: `http://127.0.0.1:${port}`,
          connections: options.connections,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          headers: { 'content-type': 'application/json', ...headers },
          requests: scenario.requests(data, pool),
          trackPeakRss: () => server.trackPeakRss(),
          cpuMs: () => server.cpuMs(),
        });
      log(`${scenario.name}: baseline`);
      const baselineNumbers = await phase(baseline, basePort, {}, pools.baseline);
      log(`${scenario.name}: api`);
      const apiNumbers = await phase(api, apiPort, { authorization: `Bearer ${stack.accessToken}` }, pools.api);
      scenarios.push({ name: scenario.name, kind: scenario.kind, api: apiNumbers, baseline: baselineNumbers });
    }

    const sdk = await measureSdk();
    const cpu = cpus();
    const result: BenchResult = {
      startedAt,
      command: 'npm run bench',
      machine: {
        cpus: cpu.length,
        cpuModel: cpu[0]?.model ?? 'unknown',
        node: process.version,
        totalMemBytes: totalmem(),
        loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      },
      settings: {
        connections: options.connections,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        poolMax: options.poolMax,
        apiLogLevel: options.apiLogLevel,
        tasks: options.tasks,
        otherProjects: options.otherProjects,
      },
      scenarios,
      api: { startupMs: api.startupMs, idleRssBytes: apiIdle },
      baseline: { startupMs: baseline.startupMs, idleRssBytes: baselineIdle },
      sdk: { minifiedBytes: sdk.minified, gzipBytes: sdk.gzipped },
    };
    console.log(formatReport(result));
    const path = await writeResult(options.resultsDir, result);
    log(`results written to ${path}`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
