/** Bench settings from the environment, so a quick or a long run needs no code change. */
import { resolve } from 'node:path';
import type { WatchSignals } from './watching.ts';

export interface BenchOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /**
   * The closed-loop phase's BENCH_DURATION split into this many rounds per server, the two servers
   * interleaved (stats.ts combineLoadRounds).
   */
  readonly rounds: number;
  readonly poolMax: number;
  readonly apiLogLevel: string;
  /** Rebuild the api (`npm run build -w @taskboard/api`) before starting it. */
  readonly build: boolean;
  /**
   * What runs as the api: `artifact`, the esbuild bundle production installs (`dist/artifact/server.js`),
   * or `dist`, tsc's output (`dist/server.js`, one file per module), to compare the two.
   */
  readonly apiEntry: 'artifact' | 'dist';
  readonly tasks: number;
  readonly otherProjects: number;
  /** Names of the scenarios to run; all when empty. */
  readonly only: readonly string[];
  /** Extra node flags for the api process, e.g. `--cpu-prof --cpu-prof-dir=bench-results/prof`. */
  readonly apiNodeFlags: readonly string[];
  readonly resultsDir: string;
  /** Run the open-loop phase after the closed-loop one (BENCH_OPEN_LOOP=0 skips it). */
  readonly openLoop: boolean;
  /** Open-loop rate as a share of the api's closed-loop requests/s in that scenario. */
  readonly openRateFraction: number;
  /** A fixed open-loop rate (requests/s) for every scenario instead; undefined uses the fraction. */
  readonly openRate: number | undefined;
  /**
   * The open-loop phase's BENCH_DURATION split into this many rounds per server, the two servers
   * alternating (which goes first too); each reports the median of its rounds' percentiles
   * (stats.ts combineOpenLoopRounds).
   */
  readonly openRounds: number;
  /** Run the cost-of-watching phase (instrumentation off vs on; BENCH_WATCH=0 skips it). */
  readonly watch: boolean;
  /** Its scenario (one of the closed-loop ones). */
  readonly watchScenario: string;
  /**
   * Measured seconds per side, split over the pairs' counted rounds. 120 (10 s rounds): at 32 (3 s
   * rounds) one build's rounds read 0.93–1.11 and its whole runs 1.015–1.078; at 120 its rounds
   * 1.01–1.09 and three runs 1.042–1.058 (docs/benchmarks.md, session of 2026-12-03 07:38).
   */
  readonly watchDurationSeconds: number;
  /** Alternating off/on rounds, so a drift in the machine's load hits both sides alike. */
  readonly watchRounds: number;
  /**
   * Fresh off/on process pairs, one after the other, each with its warm-up, settling round and
   * `watchRounds` counted rounds; the measured duration is split over all of them. 6 pairs of 2 rounds
   * rather than 3 of 4: pairs differ more than rounds do (±0.026 against ±0.018), so for the same
   * 120 s a run's mean is steadier (±0.012 against ±0.016, from fourteen runs of 2026-12-03/04) and its
   * interval, taken over pairs, has five degrees of freedom instead of two. Each pair adds its warm-up
   * and settling round, about 25–30 s.
   */
  readonly watchPairs: number;
  /**
   * OTEL_TRACES_SAMPLER_ARG of the "on" side: the prod spec's `trace_sample_ratio` (test/proc.test.ts
   * reads templates/service/specs/prod.yaml, so the two cannot drift apart).
   */
  readonly watchSamplerRatio: number;
  /** METRICS_FLUSH_SECONDS of the "on" side (production: 60, too long for a short run). */
  readonly watchFlushSeconds: number;
  /** What the "on" side runs: both (default), or `metrics` / `traces` alone to see each one's share. */
  readonly watchSignals: WatchSignals;
  /**
   * What the "off" side runs: nothing (default). With BENCH_WATCH_ON_DIR and the same signals as
   * "on", the ratio is another build's CPU per request over this tree's, both instrumented as in
   * production: one comparison instead of two on/off ratios, each with its own error.
   */
  readonly watchOffSignals: WatchSignals;
  /**
   * Drive "off" and "on" at the same time (the default), so that whatever the machine does meanwhile
   * hits both alike; BENCH_WATCH_SIDE_BY_SIDE=0 runs them one after the other in alternating rounds
   * (docs/benchmarks.md, "Cost of watching": which of the two is steadier, measured).
   */
  readonly watchSideBySide: boolean;
  /** Warm-up of each process before its first measured round: both sides in steady state (JIT). */
  readonly watchWarmupSeconds: number;
  /**
   * Counted rounds at a fixed request rate (BENCH_OPEN_FRACTION of "off"'s closed-loop rate in the
   * settling round), the same for both sides; BENCH_WATCH_OPEN_LOOP=0: closed loop, as many requests
   * as each side answers (docs/benchmarks.md, "Cost of watching").
   */
  readonly watchOpenLoop: boolean;
  /**
   * BENCH_WATCH_ON_DIR: the "on" side runs the api artifact in this directory (another build's
   * `packages/api/dist/artifact`) instead of this tree's: an A/B of two builds, whose ratio with
   * BENCH_WATCH_SIGNALS=none is that build's CPU per request over this one's.
   */
  readonly watchOnDir: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A whole-number variable of at least `min`, or `fallback` when unset or blank. */
export function positive(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) throw new Error(`${name} must be a number in (0, 1], got "${raw}"`);
  return value;
}

function words(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((word) => word.length > 0);
}

function apiEntry(raw: string | undefined): 'artifact' | 'dist' {
  const value = raw?.trim() || 'artifact';
  if (value !== 'artifact' && value !== 'dist')
    throw new Error(`BENCH_API_ENTRY must be artifact or dist, got "${value}"`);
  return value;
}

function watchSignals(name: string, raw: string | undefined, fallback: WatchSignals): WatchSignals {
  const value = raw?.trim() || fallback;
  if (value !== 'both' && value !== 'metrics' && value !== 'traces' && value !== 'none') {
    throw new Error(`${name} must be both, metrics, traces or none, got "${value}"`);
  }
  return value;
}

export function benchOptions(env: Env, resultsDir: string): BenchOptions {
  return {
    connections: positive(env, 'BENCH_CONNECTIONS', 50),
    durationSeconds: positive(env, 'BENCH_DURATION', 10),
    warmupSeconds: positive(env, 'BENCH_WARMUP', 3, 0),
    rounds: positive(env, 'BENCH_ROUNDS', 2),
    poolMax: positive(env, 'BENCH_POOL_MAX', 10),
    apiLogLevel: env.BENCH_API_LOG_LEVEL?.trim() || 'info',
    build: env.BENCH_BUILD?.trim() !== '0',
    apiEntry: apiEntry(env.BENCH_API_ENTRY),
    tasks: positive(env, 'BENCH_TASKS', 10_000),
    otherProjects: positive(env, 'BENCH_OTHER_PROJECTS', 100, 0),
    only: words(env.BENCH_ONLY),
    apiNodeFlags: words(env.BENCH_API_NODE_FLAGS),
    resultsDir: env.BENCH_RESULTS_DIR?.trim() || resultsDir,
    openLoop: env.BENCH_OPEN_LOOP?.trim() !== '0',
    openRateFraction: fraction(env, 'BENCH_OPEN_FRACTION', 0.5),
    openRate: env.BENCH_OPEN_RATE?.trim() ? positive(env, 'BENCH_OPEN_RATE', 1) : undefined,
    openRounds: positive(env, 'BENCH_OPEN_ROUNDS', 10),
    watch: env.BENCH_WATCH?.trim() !== '0',
    watchScenario: env.BENCH_WATCH_SCENARIO?.trim() || 'get-task',
    watchDurationSeconds: positive(env, 'BENCH_WATCH_DURATION', 120),
    watchRounds: positive(env, 'BENCH_WATCH_ROUNDS', 2),
    watchPairs: positive(env, 'BENCH_WATCH_PAIRS', 6),
    watchSamplerRatio: fraction(env, 'BENCH_WATCH_SAMPLER_RATIO', 0.01),
    watchFlushSeconds: positive(env, 'BENCH_WATCH_FLUSH_SECONDS', 5),
    watchSignals: watchSignals('BENCH_WATCH_SIGNALS', env.BENCH_WATCH_SIGNALS, 'both'),
    watchOffSignals: watchSignals('BENCH_WATCH_OFF_SIGNALS', env.BENCH_WATCH_OFF_SIGNALS, 'none'),
    watchSideBySide: env.BENCH_WATCH_SIDE_BY_SIDE?.trim() !== '0',
    watchWarmupSeconds: positive(env, 'BENCH_WATCH_WARMUP', 10),
    watchOpenLoop: env.BENCH_WATCH_OPEN_LOOP?.trim() !== '0',
    watchOnDir: env.BENCH_WATCH_ON_DIR?.trim() ? resolve(env.BENCH_WATCH_ON_DIR.trim()) : undefined,
  };
}
