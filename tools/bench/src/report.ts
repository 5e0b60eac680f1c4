/** Formats a bench result as a text table and writes it as JSON. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  judgeScenario,
  megabytes,
  ratio,
  TARGETS,
  type Kind,
  type LoadNumbers,
  type OpenLoopNumbers,
} from './stats.ts';
import { formatWatching, type WatchResult } from './watching.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly kind: Kind;
  readonly api: LoadNumbers;
  readonly baseline: LoadNumbers;
  /** The open-loop phase at one fixed rate for both; absent when it was skipped. */
  readonly open?: { readonly api: OpenLoopNumbers; readonly baseline: OpenLoopNumbers };
}

export interface BenchResult {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly totalMemBytes: number;
    /** 1-minute load average when the run started and ended: how shared the machine was. */
    readonly loadAverage: { readonly start: number; readonly end: number };
  };
  readonly settings: {
    readonly connections: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    /** Closed-loop rounds per server and scenario, interleaved. */
    readonly rounds: number;
    readonly poolMax: number;
    readonly apiLogLevel: string;
    readonly tasks: number;
    readonly otherProjects: number;
    readonly openLoop: boolean;
    readonly openRateFraction: number;
    readonly openRate: number | null;
    /** Rounds per server of the open-loop phase (its p50/p99 are the medians of the rounds'). */
    readonly openRounds: number;
    readonly apiNodeFlags: readonly string[];
    /** NODE_OPTIONS of the production unit, which the api ran with. */
    readonly apiNodeOptions: string;
    /** The api's entry, relative to the repository (the artifact production runs, or tsc's dist). */
    readonly apiEntry: string;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly api: { readonly startupMs: number; readonly idleRssBytes: number };
  readonly baseline: { readonly startupMs: number; readonly idleRssBytes: number };
  readonly sdk: { readonly minifiedBytes: number; readonly gzipBytes: number };
  /** Instrumentation off vs on (issue 16); absent when it was skipped. */
  readonly watching?: WatchResult;
}

const pad = (value: string, width: number): string => value.padStart(width);
const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const two = (value: number | null): string => (value === null ? '-' : value.toFixed(2));

function scenarioLines(scenario: ScenarioResult): string[] {
  const judged = judgeScenario(scenario.api, scenario.baseline, scenario.open);
  const throughput = ratio(scenario.api.requestsPerSecond, scenario.baseline.requestsPerSecond);
  const row = (who: string, n: LoadNumbers): string =>
    [
      pad(who, 10),
      pad(fixed(n.requestsPerSecond, 0), 9),
      pad(fixed(n.latencyP50Ms), 8),
      pad(fixed(n.latencyP99Ms), 8),
      pad(String(n.errors), 7),
      pad(String(n.non2xx), 7),
      pad(fixed(megabytes(n.peakRssBytes)), 9),
      pad(fixed(n.cpuMsPerRequest, 2), 10),
    ].join(' ');
  const openRow = (who: string, n: OpenLoopNumbers): string =>
    [
      pad(who, 10),
      pad(`${fixed(n.rate, 0)} open`, 9),
      pad(fixed(n.latencyP50Ms), 8),
      pad(fixed(n.latencyP99Ms), 8),
      // Unanswered = socket errors, timeouts and answers still missing at the deadline.
      pad(String(n.sent - n.completed), 7),
      pad(String(n.non2xx), 7),
      pad(fixed(megabytes(n.peakRssBytes)), 9),
      pad(fixed(n.cpuMsPerRequest, 2), 10),
      `  send lag p99 ${fixed(n.sendLagP99Ms)} ms`,
    ].join(' ');
  const lines = [`${scenario.name} (${scenario.kind})`, row('api', scenario.api), row('baseline', scenario.baseline)];
  if (scenario.open) {
    lines.push(openRow('api', scenario.open.api), openRow('baseline', scenario.open.baseline));
    const byRound = (n: OpenLoopNumbers): string =>
      (n.rounds ?? []).map((round) => `${fixed(round.latencyP99Ms)} (lag ${fixed(round.sendLagP99Ms)})`).join(', ');
    if ((scenario.open.api.rounds?.length ?? 0) > 1) {
      lines.push(
        `  open-loop p99 ms by round (generator send lag p99): api ${byRound(scenario.open.api)}`,
        `                                                 baseline ${byRound(scenario.open.baseline)}`,
      );
    }
  }
  lines.push(
    `  throughput api/baseline ${two(throughput)} (closed loop, no target)`,
    `  CPU efficiency baseline/api ${two(judged.cpuEfficiency)} (target ≥ ${TARGETS.cpuEfficiency.toFixed(2)}): ${verdict(judged.cpuOk)}`,
    scenario.open
      ? `  open-loop p99 api/baseline ${two(judged.openLoopP99Ratio)} at ${fixed(scenario.open.api.rate, 0)} req/s` +
          ` (target ≤ ${TARGETS.openLoopP99Ratio.toFixed(2)}): ${verdict(judged.openLoopOk)}`
      : '  open-loop phase skipped (BENCH_OPEN_LOOP=0): FAIL',
    `  zero errors and non-2xx (api, every phase): ${verdict(judged.errorsOk)}`,
  );
  return lines;
}

/** The api's highest RSS in any phase of the run (closed or open loop). */
export function apiPeakRss(result: BenchResult): number {
  let peak = 0;
  for (const scenario of result.scenarios) {
    peak = Math.max(peak, scenario.api.peakRssBytes, scenario.open?.api.peakRssBytes ?? 0);
  }
  return peak;
}

export function formatReport(result: BenchResult): string {
  const header = [
    pad('', 10),
    pad('req/s', 9),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('errors', 7),
    pad('non2xx', 7),
    pad('peak MB', 9),
    pad('CPU ms/req', 10),
  ].join(' ');
  const open = result.settings.openLoop
    ? `; then open loop at ${result.settings.openRate === null ? `${result.settings.openRateFraction} × the api's closed-loop req/s` : `${result.settings.openRate} req/s`}, the same rate for both (latency from the intended send time), ${result.settings.openRounds} alternating rounds each, p50/p99 the median of the rounds'`
    : '';
  const lines = [
    `taskboard bench — ${result.startedAt} — ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}` +
      ` — load average ${fixed(result.machine.loadAverage.start, 2)} → ${fixed(result.machine.loadAverage.end, 2)}`,
    `closed loop: ${result.settings.connections} connections, ${result.settings.warmupSeconds} s warm-up + ${result.settings.durationSeconds} s measured per server and scenario${result.settings.rounds > 1 ? ` in ${result.settings.rounds} interleaved rounds` : ''}${open}; pool ${result.settings.poolMax}; api ${result.settings.apiEntry}, LOG_LEVEL=${result.settings.apiLogLevel}, one worker, NODE_OPTIONS=${result.settings.apiNodeOptions || '(none)'}` +
      (result.settings.apiNodeFlags.length > 0 ? `, node flags ${result.settings.apiNodeFlags.join(' ')}` : ''),
    '',
    header,
  ];
  for (const scenario of result.scenarios) lines.push(...scenarioLines(scenario), '');
  const peak = apiPeakRss(result);
  lines.push(
    `api peak RSS under load: ${fixed(megabytes(peak))} MB (target ≤ ${megabytes(TARGETS.peakRssBytes)}): ${verdict(peak > 0 && peak <= TARGETS.peakRssBytes)}`,
    `api idle RSS: ${fixed(megabytes(result.api.idleRssBytes))} MB (target ≤ ${megabytes(TARGETS.idleRssBytes)}): ${verdict(result.api.idleRssBytes <= TARGETS.idleRssBytes)}` +
      `   baseline: ${fixed(megabytes(result.baseline.idleRssBytes))} MB`,
    `api start-up to ready: ${fixed(result.api.startupMs, 0)} ms (target ≤ ${TARGETS.startupMs}): ${verdict(result.api.startupMs <= TARGETS.startupMs)}` +
      `   baseline: ${fixed(result.baseline.startupMs, 0)} ms`,
    `SDK runtime: ${result.sdk.gzipBytes} B min+gzip (${result.sdk.minifiedBytes} B min; target ≤ ${TARGETS.sdkGzipBytes}): ${verdict(result.sdk.gzipBytes <= TARGETS.sdkGzipBytes)}`,
    '',
    ...(result.watching ? formatWatching(result.watching) : ['cost of watching skipped (BENCH_WATCH=0): FAIL']),
  );
  return lines.join('\n');
}

/** A file name that sorts by time and never collides with an earlier run's. */
export function resultFileName(startedAt: string): string {
  return `bench-${startedAt.replace(/[:.]/g, '-')}.json`;
}

export async function writeResult(dir: string, result: BenchResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, resultFileName(result.startedAt));
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
