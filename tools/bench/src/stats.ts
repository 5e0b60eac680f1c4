/** Pure helpers for the numbers the bench reports; tested in test/stats.test.ts. */

export interface LoadNumbers {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly totalRequests: number;
  /** Highest VmRSS of the server process seen during the phase, in bytes. */
  readonly peakRssBytes: number;
  /**
   * Server CPU time (user + system) per request over the measured run. On a shared machine
   * this is steadier than requests/s: it does not depend on what else got the cores.
   */
  readonly cpuMsPerRequest: number;
}

/** api/baseline, rounded to 2 decimals; null when the baseline served nothing. */
export function ratio(api: number, baseline: number): number | null {
  if (!Number.isFinite(api) || !Number.isFinite(baseline) || baseline <= 0) return null;
  return Math.round((api / baseline) * 100) / 100;
}

/** Nearest-rank percentile of raw samples (0 < p ≤ 100); NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

export type Kind = 'read' | 'write';

export interface Targets {
  readonly readRatio: number;
  readonly writeRatio: number;
  readonly readP99Ms: number;
  readonly startupMs: number;
  readonly idleRssBytes: number;
  readonly sdkGzipBytes: number;
}

/** The targets (for a 2-core machine). */
export const TARGETS: Targets = {
  readRatio: 0.7,
  writeRatio: 0.8,
  readP99Ms: 25,
  startupMs: 1_500,
  idleRssBytes: 150 * 1024 * 1024,
  sdkGzipBytes: 5 * 1024,
};

export interface ScenarioVerdict {
  readonly ratioOk: boolean;
  /** Only reads have a p99 target; true for writes. */
  readonly p99Ok: boolean;
  readonly errorsOk: boolean;
}

export function judgeScenario(
  kind: Kind,
  api: LoadNumbers,
  baseline: LoadNumbers,
  targets: Targets = TARGETS,
): ScenarioVerdict {
  const value = ratio(api.requestsPerSecond, baseline.requestsPerSecond);
  const minimum = kind === 'read' ? targets.readRatio : targets.writeRatio;
  return {
    ratioOk: value !== null && value >= minimum,
    p99Ok: kind === 'write' || api.latencyP99Ms <= targets.readP99Ms,
    errorsOk: api.errors === 0 && api.non2xx === 0,
  };
}
