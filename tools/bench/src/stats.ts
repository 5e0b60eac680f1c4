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

/** a/b unrounded; null when either is not a number or b is not positive. */
export function exactRatio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return a / b;
}

/** api/baseline, rounded to 2 decimals; null when the baseline served nothing. */
export function ratio(api: number, baseline: number): number | null {
  const value = exactRatio(api, baseline);
  return value === null ? null : Math.round(value * 100) / 100;
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

/**
 * One server at a fixed request rate (open loop): requests are sent on a schedule whatever
 * the server does, and latency is measured from each request's intended send time, so a
 * stall shows up in the latency of every request it delayed (no coordinated omission).
 */
export interface OpenLoopNumbers {
  /** Requests per second the schedule sent. */
  readonly rate: number;
  /** Requests sent in the measured run (rate × duration). */
  readonly sent: number;
  /** Requests answered (any status) before the run's deadline. */
  readonly completed: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly peakRssBytes: number;
  readonly cpuMsPerRequest: number;
  /**
   * How late the load generator itself sent requests (99th percentile of actual − intended
   * send time). Large values mean the generator, not the server, could not keep the rate.
   */
  readonly sendLagP99Ms: number;
  /**
   * With rounds (combineOpenLoopRounds): each round's own percentiles, in the order run; the
   * numbers above are then the medians of these.
   */
  readonly rounds?: readonly OpenLoopRound[];
}

export interface OpenLoopRound {
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly sendLagP99Ms: number;
}

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Student's t two-sided 95 % quantiles for 1 to 30 degrees of freedom (the standard table's
 * values); more degrees of freedom use the last one, which errs slightly wide.
 */
const T_975_BY_DF = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface MeanInterval {
  readonly mean: number;
  /** Half the width of the 95 % interval: the mean ± this. */
  readonly halfWidth: number;
  readonly count: number;
}

/**
 * The mean of independent measurements of one quantity and its 95 % confidence interval
 * (Student's t, sample standard deviation); null for fewer than two finite values.
 */
export function meanInterval95(values: readonly number[]): MeanInterval | null {
  const finite = values.filter((value) => Number.isFinite(value));
  const count = finite.length;
  if (count < 2) return null;
  const mean = finite.reduce((total, value) => total + value, 0) / count;
  const variance = finite.reduce((total, value) => total + (value - mean) ** 2, 0) / (count - 1);
  const t = T_975_BY_DF[Math.min(count - 1, T_975_BY_DF.length) - 1] as number;
  return { mean, halfWidth: (t * Math.sqrt(variance)) / Math.sqrt(count), count };
}

/**
 * CPU ms per request over several measured runs: each run's CPU (its per-request figure × its
 * requests) added up and divided by all their requests, not the mean of the runs' figures; NaN when
 * none answered anything.
 */
export function cpuMsPerRequestOver<Run extends { readonly cpuMsPerRequest: number }>(
  runs: readonly Run[],
  requestsOf: (run: Run) => number,
): number {
  let cpuMs = 0;
  let requests = 0;
  for (const run of runs) {
    const answered = requestsOf(run);
    if (answered > 0) cpuMs += run.cpuMsPerRequest * answered;
    requests += answered;
  }
  return requests > 0 ? cpuMs / requests : Number.NaN;
}

/**
 * One server's closed-loop rounds (interleaved with the other server's) as one result: CPU per
 * request over all rounds, requests/s the mean of the rounds' (they are equally long), p50 and p99
 * the medians of the rounds', errors and requests added up, RSS the highest.
 */
export function combineLoadRounds(rounds: readonly LoadNumbers[]): LoadNumbers {
  if (rounds.length === 0) throw new RangeError('no closed-loop rounds to combine');
  const sum = (pick: (round: LoadNumbers) => number): number => rounds.reduce((total, round) => total + pick(round), 0);
  return {
    requestsPerSecond: sum((round) => round.requestsPerSecond) / rounds.length,
    latencyP50Ms: median(rounds.map((round) => round.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((round) => round.latencyP99Ms)),
    errors: sum((round) => round.errors),
    non2xx: sum((round) => round.non2xx),
    totalRequests: sum((round) => round.totalRequests),
    peakRssBytes: Math.max(...rounds.map((round) => round.peakRssBytes)),
    cpuMsPerRequest: cpuMsPerRequestOver(rounds, (round) => round.totalRequests),
  };
}

/**
 * One server's open-loop rounds (same rate, interleaved with the other server's) as one result:
 * latencies and send lag are the medians of the rounds' percentiles, counts add up, CPU is per
 * request over all rounds, RSS is the highest. A median of rounds, not one long run: on a shared
 * 2-core machine a stall of the machine (the generator's own send lag shows it) lands in one round
 * of one server and decides a whole run's p99; what the server itself does (its GC, its work) is
 * in every round of it, so the median keeps it.
 */
export function combineOpenLoopRounds(rounds: readonly OpenLoopNumbers[]): OpenLoopNumbers {
  const first = rounds[0];
  if (first === undefined) throw new RangeError('no open-loop rounds to combine');
  const sum = (pick: (round: OpenLoopNumbers) => number): number =>
    rounds.reduce((total, round) => total + pick(round), 0);
  return {
    rate: first.rate,
    sent: sum((round) => round.sent),
    completed: sum((round) => round.completed),
    latencyP50Ms: median(rounds.map((round) => round.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((round) => round.latencyP99Ms)),
    errors: sum((round) => round.errors),
    non2xx: sum((round) => round.non2xx),
    peakRssBytes: Math.max(...rounds.map((round) => round.peakRssBytes)),
    cpuMsPerRequest: cpuMsPerRequestOver(rounds, (round) => round.completed),
    sendLagP99Ms: median(rounds.map((round) => round.sendLagP99Ms)),
    rounds: rounds.map(({ latencyP50Ms, latencyP99Ms, sendLagP99Ms }) => ({
      latencyP50Ms,
      latencyP99Ms,
      sendLagP99Ms,
    })),
  };
}

export interface Targets {
  /** Baseline CPU ms per request ÷ api CPU ms per request, every scenario. */
  readonly cpuEfficiency: number;
  /** api p99 ÷ baseline p99 in the open-loop phase, every scenario. */
  readonly openLoopP99Ratio: number;
  /** Highest api RSS in any phase. */
  readonly peakRssBytes: number;
  readonly idleRssBytes: number;
  readonly startupMs: number;
  readonly sdkGzipBytes: number;
}

/** Issue 17's targets (2-core machine, one api worker). */
export const TARGETS: Targets = {
  cpuEfficiency: 0.5,
  openLoopP99Ratio: 2,
  peakRssBytes: 250 * 1024 * 1024,
  idleRssBytes: 120 * 1024 * 1024,
  startupMs: 1_000,
  sdkGzipBytes: 5 * 1024,
};

/**
 * The open-loop rate for a scenario: a fraction (default half) of the api's own closed-loop
 * maximum, so both servers can sustain it and latency is not queueing at saturation.
 */
export function openLoopRate(apiClosedLoopRequestsPerSecond: number, fraction = 0.5): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  if (!Number.isFinite(apiClosedLoopRequestsPerSecond)) return 1;
  return Math.max(1, Math.floor(apiClosedLoopRequestsPerSecond * fraction));
}

/** How many requests of a schedule at `rate`/s starting at 0 are due by `elapsedMs` (the first is due at 0). */
export function dueCount(elapsedMs: number, rate: number): number {
  if (elapsedMs < 0) return 0;
  return Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1;
}

/** Intended send time (ms from the start) of the i-th request (0-based) of a schedule at `rate`/s. */
export function intendedSendMs(index: number, rate: number): number {
  return (index * 1000) / rate;
}

export interface ScenarioVerdict {
  /** Baseline CPU ms/request ÷ api CPU ms/request; null when not measurable. */
  readonly cpuEfficiency: number | null;
  readonly cpuOk: boolean;
  /** api p99 ÷ baseline p99 at the same fixed rate; null without an open-loop phase. */
  readonly openLoopP99Ratio: number | null;
  readonly openLoopOk: boolean;
  /** No socket errors, timeouts or non-2xx answers from the api in any phase. */
  readonly errorsOk: boolean;
}

export function judgeScenario(
  api: LoadNumbers,
  baseline: LoadNumbers,
  open?: { readonly api: OpenLoopNumbers; readonly baseline: OpenLoopNumbers },
  targets: Targets = TARGETS,
): ScenarioVerdict {
  // Judged unrounded, so 0.496 is not a pass because it prints as 0.50.
  const cpuEfficiency = exactRatio(baseline.cpuMsPerRequest, api.cpuMsPerRequest);
  const openLoopP99Ratio = open === undefined ? null : exactRatio(open.api.latencyP99Ms, open.baseline.latencyP99Ms);
  // Unanswered requests (errors, timeouts) count, as do non-2xx answers.
  const openErrors = open === undefined ? 0 : open.api.non2xx + (open.api.sent - open.api.completed);
  return {
    cpuEfficiency,
    cpuOk: cpuEfficiency !== null && cpuEfficiency >= targets.cpuEfficiency,
    openLoopP99Ratio,
    openLoopOk: openLoopP99Ratio !== null && openLoopP99Ratio <= targets.openLoopP99Ratio,
    errorsOk: api.errors === 0 && api.non2xx === 0 && openErrors === 0,
  };
}
