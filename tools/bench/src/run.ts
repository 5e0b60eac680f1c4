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
import { apiEnvironment } from './api-environment.ts';
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
import {
  combineLoadRounds,
  combineOpenLoopRounds,
  cpuMsPerRequestOver,
  exactRatio,
  openLoopRate,
  type Kind,
  type LoadNumbers,
} from './stats.ts';
import { startEmfSink, startOtlpSink } from './telemetry-sinks.ts';
import { combineRuns, instrumentationEnv, roundCpuRatios, type WatchResult } from './watching.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const options = benchOptions(process.env, join(ROOT, 'bench-results'));
const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0] ?? 0;
/**
 * The api as an instance runs it: the artifact (`npm run bundle -w @taskboard/api`), from its own
 * directory as the unit's WorkingDirectory; BENCH_API_ENTRY=dist runs tsc's output instead.
 */
const API_ENTRY =
  options.apiEntry === 'artifact'
    ? { cwd: join(ROOT, 'packages/api/dist/artifact'), script: 'server.js', build: 'bundle' }
    : { cwd: join(ROOT, 'packages/api'), script: 'dist/server.js', build: 'build' };

/** Settles the process after start-up before reading its idle RSS. */
const IDLE_SETTLE_MS = 2_000;
/** Warm-up before a server's later closed-loop rounds: it is warm, only its connections are new. */
const CLOSED_REWARMUP_SECONDS = 1;
/** The closed-loop phase just warmed both servers up; the open loop only settles into its rate. */
const OPEN_LOOP_WARMUP_SECONDS = 2;
/** Task versions are re-read this often until they stop changing (at most RESYNC_MAX_MS). */
const RESYNC_SETTLE_MS = 250;
const RESYNC_MAX_MS = 10_000;
/** Warm-up of the cost-of-watching rounds after the first. */
const WATCH_REWARMUP_SECONDS = 1;
/** The watch phase's first round, after each process's warm-up: run, not counted (see the loop). */
const SETTLING_ROUND = -1;
/** How often the OpenTelemetry batch span processor exports by default (OTEL_BSP_SCHEDULE_DELAY). */
const SPAN_EXPORT_DELAY_SECONDS = 5;

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

type Side = 'baseline' | 'api';

/**
 * `rounds` rounds of `measure` for each server, interleaved, the one going first alternating
 * (baseline, api; api, baseline; ...), so a slow spell of the machine, or PostgreSQL's upkeep after
 * one server's writes, falls on both servers' rounds alike. Each server's results in order.
 */
async function interleavedRounds<T>(
  rounds: number,
  measure: (side: Side, round: number) => Promise<T>,
): Promise<Record<Side, T[]>> {
  const results: Record<Side, T[]> = { baseline: [], api: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order: readonly Side[] = round % 2 === 0 ? ['baseline', 'api'] : ['api', 'baseline'];
    for (const side of order) results[side].push(await measure(side, round));
  }
  return results;
}

/** Where a phase sends a server its requests and how it reads the server's CPU and RSS. */
function serverTarget(
  server: ServerProcess,
  port: number,
  headers: Record<string, string>,
  beforeEachRun: (() => Promise<void>) | undefined,
) {
  return {
    url: `http://127.0.0.1:${port}`,
    headers: { 'content-type': 'application/json', ...headers },
    trackPeakRss: () => server.trackPeakRss(),
    cpuMs: () => server.cpuMs(),
    beforeEachRun,
  };
}

function log(message: string): void {
  console.error(`# ${message}`);
}

type StartApi = (
  name: string,
  extraEnv: Record<string, string>,
  /** Where the artifact is. @default this tree's */
  cwd?: string,
) => Promise<{ readonly server: ServerProcess; readonly port: number }>;

/**
 * Cost of watching (issue 16): two api processes, one with instrumentation off and one exporting
 * metrics and traces to local sinks as on an instance, driven alike by one scenario in rounds: a
 * settling round (closed loop, not counted), then the counted rounds side by side at one fixed rate
 * (by default; BENCH_WATCH_SIDE_BY_SIDE=0: one after the other in alternating order, and
 * BENCH_WATCH_OPEN_LOOP=0: closed loop), so a drift in the machine's load hits both alike. All that
 * for BENCH_WATCH_PAIRS fresh pairs of processes, one pair after the other: how one process pair
 * lands on the machine (cores, caches) moved the ratio by several per cent between runs, more than
 * the rounds within one pair disagreed (docs/benchmarks.md, "Cost of watching").
 */
async function watchPhase(
  data: SeededData,
  tasks: ReplaceTasks,
  resync: () => Promise<void>,
  startApi: StartApi,
  accessToken: string,
): Promise<WatchResult> {
  const scenario = SCENARIOS.find((candidate) => candidate.name === options.watchScenario);
  if (scenario === undefined) {
    throw new Error(
      `BENCH_WATCH_SCENARIO: no scenario "${options.watchScenario}" (${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  }
  const emf = await startEmfSink();
  const otlp = await startOtlpSink();
  try {
    const endpoints = { emf: emf.endpoint, otlp: otlp.endpoint };
    const env = (side: 'off' | 'on') =>
      instrumentationEnv(
        side,
        endpoints,
        options.watchSamplerRatio,
        options.watchFlushSeconds,
        options.watchSignals,
        options.watchOffSignals,
      );
    const pairs = options.watchPairs;
    const seconds = Math.max(1, Math.round(options.watchDurationSeconds / (options.watchRounds * pairs)));
    const runs = { off: [] as LoadNumbers[], on: [] as LoadNumbers[] };
    const pairCpuRatios: (number | null)[] = [];
    // The slowest start-up and the highest idle RSS among each side's processes (one per pair).
    const worst = { off: { startupMs: 0, idleRss: 0 }, on: { startupMs: 0, idleRss: 0 } };
    // Side by side only where the two servers cannot disturb each other's data: the replace scenario
    // hands tasks and their versions out of one shared list.
    const sideBySide = options.watchSideBySide && scenario.usesVersions !== true;
    // Set from the first pair's settling round ("off") when the counted rounds run open loop
    // (options.watchOpenLoop); every pair then runs at that one rate.
    let openRate: number | undefined;
    for (let pair = 0; pair < pairs; pair += 1) {
      const pairLabel = pairs > 1 ? `pair ${pair + 1}/${pairs}, ` : '';
      const start = async (side: 'off' | 'on') => {
        const started = await startApi(
          `api-watch-${side}${pairs > 1 ? `-${pair + 1}` : ''}`,
          env(side),
          side === 'on' ? options.watchOnDir : undefined,
        );
        const idle = await idleRss(started.server);
        worst[side].startupMs = Math.max(worst[side].startupMs, started.server.startupMs);
        worst[side].idleRss = Math.max(worst[side].idleRss, idle);
        log(
          `cost of watching: ${pairLabel}api (instrumentation ${side}, pid ${started.server.pid}) ready in ${started.server.startupMs.toFixed(0)} ms, idle RSS ${(idle / 1048576).toFixed(1)} MB`,
        );
        return started;
      };
      // Which process starts first alternates by pair too.
      const off = pair % 2 === 0 ? await start('off') : undefined;
      const on = await start('on');
      const servers = { off: off ?? (await start('off')), on };
      const load = async (side: 'off' | 'on', round: number, connections: number): Promise<LoadNumbers> => {
        const { server, port } = servers[side];
        const target = {
          ...serverTarget(
            server,
            port,
            { authorization: `Bearer ${accessToken}` },
            scenario.usesVersions === true ? resync : undefined,
          ),
          durationSeconds: seconds,
        };
        if (openRate === undefined || round === SETTLING_ROUND) {
          return loadPhase({
            ...target,
            connections,
            // Later rounds only re-open connections: the process is warm already.
            warmupSeconds: round === SETTLING_ROUND ? options.watchWarmupSeconds : WATCH_REWARMUP_SECONDS,
            requests: scenario.requests(data, tasks),
          });
        }
        const numbers = await openLoopPhase({
          ...target,
          rate: openRate,
          warmupSeconds: WATCH_REWARMUP_SECONDS,
          next: scenario.source(data, tasks),
        });
        return {
          requestsPerSecond: numbers.completed / seconds,
          latencyP50Ms: numbers.latencyP50Ms,
          latencyP99Ms: numbers.latencyP99Ms,
          errors: numbers.errors,
          non2xx: numbers.non2xx,
          totalRequests: numbers.completed,
          peakRssBytes: numbers.peakRssBytes,
          cpuMsPerRequest: numbers.cpuMsPerRequest,
        };
      };
      /**
       * Both sides of one round. Side by side: at once, half the connections each; the side whose load
       * starts first sends first in each tick of this one process, so that alternates by round. Otherwise
       * one after the other, in an order that alternates by round.
       */
      const runRound = async (round: number, label: string): Promise<{ off: LoadNumbers; on: LoadNumbers }> => {
        const offFirst = round % 2 === 0;
        const [first, second] = offFirst ? (['off', 'on'] as const) : (['on', 'off'] as const);
        let results: [LoadNumbers, LoadNumbers];
        if (sideBySide) {
          log(`cost of watching: ${scenario.name}, ${pairLabel}${label}, off and on side by side`);
          const half = Math.max(1, Math.round(options.connections / 2));
          results = await Promise.all([load(first, round, half), load(second, round, half)]);
        } else {
          log(`cost of watching: ${scenario.name}, ${pairLabel}${label}, instrumentation ${first}`);
          const firstRun = await load(first, round, options.connections);
          log(`cost of watching: ${scenario.name}, ${pairLabel}${label}, instrumentation ${second}`);
          results = [firstRun, await load(second, round, options.connections)];
        }
        return offFirst ? { off: results[0], on: results[1] } : { off: results[1], on: results[0] };
      };
      // Round SETTLING_ROUND runs both sides like any other round but is not counted: in every run so far
      // the first round read high for whichever process was measured second, A/A included (1.11 A/A,
      // 1.22-1.45 with instrumentation, after warm-ups of 10 to 40 s), while the rounds after it agreed.
      // The first pair's "off" side sets the counted rounds' open-loop rate.
      const pairRuns = { off: [] as LoadNumbers[], on: [] as LoadNumbers[] };
      for (let round = SETTLING_ROUND; round < options.watchRounds; round += 1) {
        const counted = round !== SETTLING_ROUND;
        const label = counted ? `round ${round + 1}/${options.watchRounds}` : 'settling round (not counted)';
        const both = await runRound(round, label);
        if (counted) {
          pairRuns.off.push(both.off);
          pairRuns.on.push(both.on);
        } else {
          if (options.watchOpenLoop && openRate === undefined) {
            openRate = openLoopRate(both.off.requestsPerSecond, options.openRateFraction);
            const of = sideBySide ? "each (of off's side-by-side maximum)" : `(of off's ${scenario.name} maximum)`;
            log(`cost of watching: counted rounds open loop at ${openRate} req/s ${of}`);
          }
          // "On" exports the settling round's spans and metrics up to one interval later. Left to run
          // into the first counted round, they were charged to it: telemetry of a closed-loop round (up
          // to twice the counted rate) in a round that exports only its own rate's share when it ends,
          // which read 1.13-1.36 in first rounds whose pairs' other rounds read 1.01-1.13.
          const drainSeconds = Math.max(options.watchFlushSeconds, SPAN_EXPORT_DELAY_SECONDS) + 1;
          log(`cost of watching: ${pairLabel}${drainSeconds} s for the settling round's telemetry to be sent`);
          await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1_000));
        }
      }
      // Stopped before the sinks are read: a final flush on shutdown is counted too.
      await servers.off.server.stop();
      await servers.on.server.stop();
      runs.off.push(...pairRuns.off);
      runs.on.push(...pairRuns.on);
      const perRequest = (pairSide: readonly LoadNumbers[]) =>
        cpuMsPerRequestOver(pairSide, (run) => run.totalRequests);
      pairCpuRatios.push(exactRatio(perRequest(pairRuns.on), perRequest(pairRuns.off)));
    }
    return {
      scenario: scenario.name,
      rounds: options.watchRounds,
      pairs,
      durationSeconds: seconds * options.watchRounds * pairs,
      samplerRatio: options.watchSamplerRatio,
      flushSeconds: options.watchFlushSeconds,
      signals: options.watchSignals,
      offSignals: options.watchOffSignals,
      onDir: options.watchOnDir,
      sideBySide,
      openRate: openRate ?? null,
      off: combineRuns(worst.off.startupMs, worst.off.idleRss, runs.off),
      on: combineRuns(worst.on.startupMs, worst.on.idleRss, runs.on),
      roundCpuRatios: roundCpuRatios(runs.off, runs.on),
      pairCpuRatios,
      received: { emf: emf.counts(), otlp: otlp.counts() },
    };
  } finally {
    await emf.close();
    await otlp.close();
  }
}

async function main(): Promise<void> {
  await mkdir(options.resultsDir, { recursive: true });
  if (options.build) {
    log(`building the api (npm run ${API_ENTRY.build} -w @taskboard/api)`);
    execFileSync('npm', ['run', '-s', API_ENTRY.build, '-w', '@taskboard/api'], { cwd: ROOT, stdio: 'inherit' });
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
    // The api as production runs it; `extraEnv` adds to it (the cost-of-watching phase's exporters).
    const startApi = async (name: string, extraEnv: Record<string, string> = {}, cwd = API_ENTRY.cwd) => {
      const port = await freePort();
      const server = await startServerProcess({
        name,
        command: process.execPath,
        args: [...options.apiNodeFlags, API_ENTRY.script],
        cwd,
        env: {
          ...apiEnvironment(stack, port, { nodeOptions, poolMax: options.poolMax, logLevel: options.apiLogLevel }),
          ...extraEnv,
        },
        readyUrl: `http://127.0.0.1:${port}/health/ready`,
        logPath: join(options.resultsDir, `${name}-${stamp}.log`),
      });
      servers.push(server);
      return { server, port };
    };
    // Instrumentation off, so the api/baseline comparison stays comparable with earlier runs; the
    // cost-of-watching phase below prices it.
    const { server: api, port: apiPort } = await startApi('api', {
      METRICS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
    });
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
      // What both phases send to each server, and how they measure it.
      const targets = {
        baseline: serverTarget(
          baseline,
          basePort,
          {},
          scenario.usesVersions === true ? resync(pools.baseline) : undefined,
        ),
        api: serverTarget(
          api,
          apiPort,
          { authorization: `Bearer ${stack.accessToken}` },
          scenario.usesVersions === true ? resync(pools.api) : undefined,
        ),
      };
      const closedSeconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
      const closedRounds = await interleavedRounds(options.rounds, (side, round) => {
        log(`${scenario.name}: ${side}${options.rounds > 1 ? `, round ${round + 1}/${options.rounds}` : ''}`);
        return loadPhase({
          ...targets[side],
          connections: options.connections,
          durationSeconds: closedSeconds,
          // The full warm-up before a server's first round; later rounds only re-open connections.
          warmupSeconds: round === 0 ? options.warmupSeconds : Math.min(options.warmupSeconds, CLOSED_REWARMUP_SECONDS),
          requests: scenario.requests(data, pools[side]),
        });
      });
      const baselineNumbers = combineLoadRounds(closedRounds.baseline);
      const apiNumbers = combineLoadRounds(closedRounds.api);
      let open: ScenarioResult['open'];
      if (options.openLoop) {
        // The same fixed rate for both: a share of the api's own closed-loop maximum, which
        // both can sustain, so the latencies compare service times, not queueing at saturation.
        const rate = options.openRate ?? openLoopRate(apiNumbers.requestsPerSecond, options.openRateFraction);
        const roundSeconds = Math.max(1, Math.round(options.durationSeconds / options.openRounds));
        const rounds = await interleavedRounds(options.openRounds, (side, round) => {
          log(`${scenario.name}: open loop at ${rate} req/s, ${side}, round ${round + 1}/${options.openRounds}`);
          return openLoopPhase({
            ...targets[side],
            rate,
            durationSeconds: roundSeconds,
            // Each server warms up before its first round only.
            warmupSeconds: round === 0 ? Math.min(options.warmupSeconds, OPEN_LOOP_WARMUP_SECONDS) : 0,
            next: scenario.source(data, pools[side]),
          });
        });
        open = { api: combineOpenLoopRounds(rounds.api), baseline: combineOpenLoopRounds(rounds.baseline) };
      }
      scenarios.push({ name: scenario.name, kind: scenario.kind, api: apiNumbers, baseline: baselineNumbers, open });
    }

    let watching: WatchResult | undefined;
    if (options.watch) {
      // Nothing else serves during this phase: the two api processes below have the cores to themselves.
      await api.stop();
      await baseline.stop();
      watching = await watchPhase(data, pools.api, resync(pools.api), startApi, stack.accessToken);
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
        openRounds: options.openRounds,
        rounds: options.rounds,
        apiNodeFlags: options.apiNodeFlags,
        apiNodeOptions: nodeOptions,
        apiEntry: join(API_ENTRY.cwd, API_ENTRY.script).slice(ROOT.length),
      },
      scenarios,
      api: { startupMs: api.startupMs, idleRssBytes: apiIdle },
      baseline: { startupMs: baseline.startupMs, idleRssBytes: baselineIdle },
      sdk: { minifiedBytes: sdk.minified, gzipBytes: sdk.gzipped },
      watching,
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
