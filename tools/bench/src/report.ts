/** Formats a bench result as a text table and writes it as JSON. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { judgeScenario, megabytes, ratio, TARGETS, type Kind, type LoadNumbers } from './stats.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly kind: Kind;
  readonly api: LoadNumbers;
  readonly baseline: LoadNumbers;
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
    readonly poolMax: number;
    readonly apiLogLevel: string;
    readonly tasks: number;
    readonly otherProjects: number;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly api: { readonly startupMs: number; readonly idleRssBytes: number };
  readonly baseline: { readonly startupMs: number; readonly idleRssBytes: number };
  readonly sdk: { readonly minifiedBytes: number; readonly gzipBytes: number };
}

const pad = (value: string, width: number): string => value.padStart(width);
const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const mark = (ok: boolean): string => (ok ? 'ok' : 'MISS');

function scenarioLines(scenario: ScenarioResult): string[] {
  const verdict = judgeScenario(scenario.kind, scenario.api, scenario.baseline);
  const value = ratio(scenario.api.requestsPerSecond, scenario.baseline.requestsPerSecond);
  const target = scenario.kind === 'read' ? TARGETS.readRatio : TARGETS.writeRatio;
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
  const cpu = ratio(scenario.baseline.cpuMsPerRequest, scenario.api.cpuMsPerRequest);
  return [
    `${scenario.name} (${scenario.kind})`,
    row('api', scenario.api),
    row('baseline', scenario.baseline),
    `${pad('ratio', 10)} ${pad(value === null ? '-' : value.toFixed(2), 9)}  target ≥ ${target.toFixed(2)}: ${mark(verdict.ratioOk)}` +
      (scenario.kind === 'read' ? `; p99 ≤ ${TARGETS.readP99Ms} ms: ${mark(verdict.p99Ok)}` : '') +
      `; zero errors: ${mark(verdict.errorsOk)}` +
      `; CPU efficiency baseline/api ${cpu === null ? '-' : cpu.toFixed(2)}`,
  ];
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
  const lines = [
    `taskboard bench — ${result.startedAt} — ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}` +
      ` — load average ${fixed(result.machine.loadAverage.start, 2)} → ${fixed(result.machine.loadAverage.end, 2)}`,
    `${result.settings.connections} connections, ${result.settings.warmupSeconds} s warm-up + ${result.settings.durationSeconds} s measured per server and scenario; pool ${result.settings.poolMax}; api LOG_LEVEL=${result.settings.apiLogLevel}`,
    '',
    header,
  ];
  for (const scenario of result.scenarios) lines.push(...scenarioLines(scenario), '');
  lines.push(
    `api start-up to ready: ${fixed(result.api.startupMs, 0)} ms (target < ${TARGETS.startupMs}): ${mark(result.api.startupMs < TARGETS.startupMs)}` +
      `   baseline: ${fixed(result.baseline.startupMs, 0)} ms`,
    `api idle RSS: ${fixed(megabytes(result.api.idleRssBytes))} MB (target < ${megabytes(TARGETS.idleRssBytes)}): ${mark(result.api.idleRssBytes < TARGETS.idleRssBytes)}` +
      `   baseline: ${fixed(megabytes(result.baseline.idleRssBytes))} MB`,
    `SDK runtime: ${result.sdk.gzipBytes} B min+gzip (${result.sdk.minifiedBytes} B min; target ≤ ${TARGETS.sdkGzipBytes}): ${mark(result.sdk.gzipBytes <= TARGETS.sdkGzipBytes)}`,
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
