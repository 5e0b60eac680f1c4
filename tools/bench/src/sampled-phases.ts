/**
 * The arithmetic of `npm run bench:sampled` (sampled-cost.ts): what one sampled request costs the
 * api, measured inside the same processes rather than between an instrumented and an uninstrumented
 * one. Two instrumented processes (sampler ratio 0: nothing is sampled unless the caller says so)
 * serve one fixed rate each, side by side, in alternating phases: in a "mix" phase one request in
 * `every` carries a sampled W3C `traceparent`, in a "none" phase none does, and the two processes are
 * always in opposite phases. Why: between processes, how a pair lands on the machine moves the
 * cost-of-watching ratio by ±2.6 % (docs/benchmarks.md); within one process it cancels.
 */
import { randomBytes } from 'node:crypto';
import { positive, type Env } from './options.ts';
import { parseProcStatCpuMs } from './server-process.ts';

export interface SampledPhasesOptions {
  /** Requests per second sent to each process. */
  readonly rate: number;
  readonly phaseSeconds: number;
  /** Phases per pair of processes, an even number: each process mixes in half of them. */
  readonly phases: number;
  readonly pairs: number;
  /** In a "mix" phase, one request in this many is sampled (20: the prod spec's 5 %). */
  readonly every: number;
  /** At the rate, with the mix, before the first phase (not counted). */
  readonly warmupSeconds: number;
}

/** BENCH_SAMPLED_* variables, with the defaults the 2026-12-04 measurements used. */
export function sampledPhasesOptions(env: Env): SampledPhasesOptions {
  const phases = positive(env, 'BENCH_SAMPLED_PHASES', 12);
  if (phases % 2 !== 0) throw new Error(`BENCH_SAMPLED_PHASES must be even, got ${phases}`);
  return {
    rate: positive(env, 'BENCH_SAMPLED_RATE', 600),
    phaseSeconds: positive(env, 'BENCH_SAMPLED_PHASE_SECONDS', 15),
    phases,
    pairs: positive(env, 'BENCH_SAMPLED_PAIRS', 2),
    every: positive(env, 'BENCH_SAMPLED_EVERY', 20),
    warmupSeconds: positive(env, 'BENCH_SAMPLED_WARMUP', 20),
  };
}

/**
 * Whether process 0 or 1 of a pair mixes in `phase` (negative: the warm-up, where neither counts).
 * The processes alternate, and which one starts alternates by pair.
 */
export function mixes(processIndex: 0 | 1, phase: number, pair: number): boolean {
  return phase >= 0 && (phase + processIndex + pair) % 2 === 0;
}

/** A sampled `traceparent` of a new trace (https://www.w3.org/TR/trace-context/#traceparent-header). */
export function sampledTraceparent(random: (size: number) => Buffer = randomBytes): string {
  return `00-${random(16).toString('hex')}-${random(8).toString('hex')}-01`;
}

/** One process's CPU and answered requests over one phase. */
export interface PhaseReading {
  readonly cpuMs: number;
  readonly requests: number;
}

/**
 * CPU per request of the mixing process over the other's, phase by phase. Over two consecutive
 * phases the processes swap roles: with `m` the cost of the mix and `d` how much more process 0 costs
 * than process 1 anyway, the two ratios are m·d and m/d, so their geometric mean is m. One value per
 * such couple of phases.
 */
export function mixCostByCouple(
  readings: readonly [readonly PhaseReading[], readonly PhaseReading[]],
  pair: number,
): number[] {
  // A phase in which a process answered nothing has no figure, and its couple none either.
  const perRequest = (reading: PhaseReading): number =>
    reading.requests > 0 ? reading.cpuMs / reading.requests : Number.NaN;
  const ratios = readings[0].map((first, phase) => {
    const second = readings[1][phase];
    if (second === undefined) throw new Error(`no reading of process 1 for phase ${phase}`);
    return mixes(0, phase, pair) ? perRequest(first) / perRequest(second) : perRequest(second) / perRequest(first);
  });
  const couples: number[] = [];
  for (let phase = 0; phase + 1 < ratios.length; phase += 2) {
    couples.push(Math.sqrt((ratios[phase] as number) * (ratios[phase + 1] as number)));
  }
  return couples.filter((value) => Number.isFinite(value) && value > 0);
}

/**
 * A thread's name and CPU time from /proc/<pid>/task/<tid>/stat, which has the layout of
 * /proc/<pid>/stat; the name lets the report tell the serving thread, the span export thread and V8's
 * worker threads apart.
 */
export function parseTaskStat(stat: string): { readonly name: string; readonly cpuMs: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('unexpected /proc/<pid>/task/<tid>/stat format');
  return { name: stat.slice(open + 1, close), cpuMs: parseProcStatCpuMs(stat) };
}

/** One process's CPU ms by thread name, read at each phase boundary (phases + 1 readings). */
export type ThreadCpuMarks = readonly ReadonlyMap<string, number>[];

/**
 * CPU µs per request of each thread of one process, over its mixing phases and over the others:
 * each phase's CPU (the difference of its two boundary readings) added up by kind and divided by that
 * kind's requests. Threads that used no CPU at all are left out.
 */
export function threadCpuPerRequest(
  marks: ThreadCpuMarks,
  readings: readonly PhaseReading[],
  mixing: (phase: number) => boolean,
): { readonly mix: Map<string, number>; readonly none: Map<string, number> } {
  const cpuMs = { mix: new Map<string, number>(), none: new Map<string, number>() };
  const requests = { mix: 0, none: 0 };
  readings.forEach((reading, phase) => {
    const before = marks[phase];
    const after = marks[phase + 1];
    if (before === undefined || after === undefined) throw new Error(`no thread readings around phase ${phase}`);
    const kind = mixing(phase) ? 'mix' : 'none';
    requests[kind] += reading.requests;
    for (const [name, ms] of after) cpuMs[kind].set(name, (cpuMs[kind].get(name) ?? 0) + ms - (before.get(name) ?? 0));
  });
  const used = [...new Set([...cpuMs.mix.keys(), ...cpuMs.none.keys()])].filter(
    (name) => (cpuMs.mix.get(name) ?? 0) + (cpuMs.none.get(name) ?? 0) > 0,
  );
  const perRequestUs = (kind: 'mix' | 'none') =>
    new Map(used.map((name) => [name, ((cpuMs[kind].get(name) ?? 0) * 1_000) / requests[kind]]));
  return { mix: perRequestUs('mix'), none: perRequestUs('none') };
}
