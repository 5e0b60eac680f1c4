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
import { openLoopPhase, type PlannedRequest } from './open-loop.ts';
import { benchOptions } from './options.ts';
import { formatReport, writeResult, type BenchResult, type ScenarioResult } from './report.ts';
import { productionNodeOptions } from './production-flags.ts';
import { ReplaceTasks } from './replace-tasks.ts';
import { seed, taskVersions, type SeededData } from './seed.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { startStack } from './stack.ts';
import { openLoopRate, type Kind } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_DIR = join(ROOT, 'packages/api');
const options = benchOptions(process.env, join(ROOT, 'bench-results'));
const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0] ?? 0;

/** Settles the process after start-up before reading its idle RSS. */
const IDLE_SETTLE_MS = 2_000;
/** The closed-loop phase just warmed both servers up; the open loop only settles into its rate. */
const OPEN_LOOP_WARMUP_SECONDS = 2;
/** Task versions are re-read this often until they stop changing (at most RESYNC_MAX_MS). */
const RESYNC_SETTLE_MS = 250;
const RESYNC_MAX_MS = 10_000;

interface Scenario {
  readonly name: string;
  readonly kind: Kind;
  /** Closed-loop requests for one server; `tasks` is the tasks that server's PUTs may replace. */
  requests(data: SeededData, tasks: ReplaceTasks): autocannon.Request[];
  /** The same requests for the open-loop phase, one at a time. */
  source(data: SeededData, tasks: ReplaceTasks): () => PlannedRequest;
  /** Uses the tasks' versions: reload them from the database before each run. */
  readonly usesVersions?: boolean;
}

const TASK_BODY = JSON.stringify({
  title: 'Benchmark task',
  description: 'Created by npm run bench',
  priority: 'high',
});

function replaceRequests(tasks: ReplaceTasks): autocannon.Request[] {
  return [
    {
      method: 'PUT',
      setupRequest: (request, context) => {
        const { taskId, path, headers, body } = tasks.take();
        (context as { taskId?: string }).taskId = taskId;
        return { ...request, path, headers: { ...request.headers, ...headers }, body };
      },
      onResponse: (status, _body, context, headers) =>
        tasks.give((context as { taskId?: string }).taskId ?? '', status, headers?.etag),
    },
  ];
}

function replaceSource(tasks: ReplaceTasks): () => PlannedRequest {
  return () => {
    const { taskId, ...request } = tasks.take();
    return { method: 'PUT', ...request, done: (status, headers) => tasks.give(taskId, status, headers.etag) };
  };
}

const listPath = (data: SeededData): string => `/v1/projects/${data.projectId}/tasks?limit=20`;
const getPath = (data: SeededData): string => `/v1/tasks/${data.readTaskId}`;
const createPath = (data: SeededData): string => `/v1/projects/${data.projectId}/tasks`;

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'list-tasks',
    kind: 'read',
    requests: (data) => [{ method: 'GET', path: listPath(data) }],
    source: (data) => () => ({ method: 'GET', path: listPath(data) }),
  },
  {
    name: 'get-task',
    kind: 'read',
    requests: (data) => [{ method: 'GET', path: getPath(data) }],
    source: (data) => () => ({ method: 'GET', path: getPath(data) }),
  },
  {
    name: 'create-task',
    kind: 'write',
    requests: (data) => [{ method: 'POST', path: createPath(data), body: TASK_BODY }],
    source: (data) => () => ({ method: 'POST', path: createPath(data), body: TASK_BODY }),
  },
  {
    name: 'replace-task',
    kind: 'write',
    requests: (_data, tasks) => replaceRequests(tasks),
    source: (_data, tasks) => replaceSource(tasks),
    usesVersions: true,
  },
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

    // The V8 settings of production (the systemd unit's NODE_OPTIONS), so memory is measured as deployed.
    const nodeOptions = await productionNodeOptions();
    const apiPort = await freePort();
    const api = await startServerProcess({
      name: 'api',
      command: process.execPath,
      args: [...options.apiNodeFlags, 'dist/server.js'],
      cwd: API_DIR,
      env: {
        ...env,
        NODE_OPTIONS: nodeOptions,
        DATABASE_URL: stack.databaseUrl,
        DATABASE_POOL_MAX: String(options.poolMax),
        AUTH_ISSUERS: stack.issuer,
        AUTH_CLIENT_IDS: stack.clientId,
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        LOG_LEVEL: options.apiLogLevel,
        // One worker: the comparison is per process (CPU per request, RSS), against a one-process baseline.
        API_WORKERS: '1',
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
    const pools = {
      api: new ReplaceTasks(data.writeTaskIds.slice(0, half)),
      baseline: new ReplaceTasks(data.writeTaskIds.slice(half)),
    };
    const resync = (tasks: ReplaceTasks) => async (): Promise<void> => {
      // Requests a stopped load generator left in flight still commit on the server (seconds on
      // a busy machine): wait until two reads agree before trusting the versions.
      let versions = await taskVersions(stack.databaseUrl, tasks.ids);
      for (let settled = 0; settled < RESYNC_MAX_MS; settled += RESYNC_SETTLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, RESYNC_SETTLE_MS));
        const again = await taskVersions(stack.databaseUrl, tasks.ids);
        const same = [...again].every(([id, version]) => versions.get(id) === version);
        versions = again;
        if (same) break;
      }
      tasks.reset(versions);
    };
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      if (options.only.length > 0 && !options.only.includes(scenario.name)) continue;
      const phase = (server: ServerProcess, port: number, headers: Record<string, string>, pool: ReplaceTasks) =>
        loadPhase({
          url: `http://127.0.0.1:${port}`,
          connections: options.connections,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          headers: { 'content-type': 'application/json', ...headers },
          requests: scenario.requests(data, pool),
          trackPeakRss: () => server.trackPeakRss(),
          cpuMs: () => server.cpuMs(),
          beforeEachRun: scenario.usesVersions === true ? resync(pool) : undefined,
        });
      log(`${scenario.name}: baseline`);
      const baselineNumbers = await phase(baseline, basePort, {}, pools.baseline);
      log(`${scenario.name}: api`);
      const apiNumbers = await phase(api, apiPort, { authorization: `Bearer ${stack.accessToken}` }, pools.api);
      let open: ScenarioResult['open'];
      if (options.openLoop) {
        // The same fixed rate for both: a share of the api's own closed-loop maximum, which
        // both can sustain, so the latencies compare service times, not queueing at saturation.
        const rate = options.openRate ?? openLoopRate(apiNumbers.requestsPerSecond, options.openRateFraction);
        const openPhase = (server: ServerProcess, port: number, headers: Record<string, string>, pool: ReplaceTasks) =>
          openLoopPhase({
            url: `http://127.0.0.1:${port}`,
            rate,
            durationSeconds: options.durationSeconds,
            warmupSeconds: Math.min(options.warmupSeconds, OPEN_LOOP_WARMUP_SECONDS),
            headers: { 'content-type': 'application/json', ...headers },
            next: scenario.source(data, pool),
            trackPeakRss: () => server.trackPeakRss(),
            cpuMs: () => server.cpuMs(),
            beforeEachRun: scenario.usesVersions === true ? resync(pool) : undefined,
          });
        log(`${scenario.name}: open loop at ${rate} req/s, baseline`);
        const openBaseline = await openPhase(baseline, basePort, {}, pools.baseline);
        log(`${scenario.name}: open loop at ${rate} req/s, api`);
        const openApi = await openPhase(api, apiPort, { authorization: `Bearer ${stack.accessToken}` }, pools.api);
        open = { api: openApi, baseline: openBaseline };
      }
      scenarios.push({ name: scenario.name, kind: scenario.kind, api: apiNumbers, baseline: baselineNumbers, open });
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
        openLoop: options.openLoop,
        openRateFraction: options.openRateFraction,
        openRate: options.openRate ?? null,
        apiNodeFlags: options.apiNodeFlags,
        apiNodeOptions: nodeOptions,
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
