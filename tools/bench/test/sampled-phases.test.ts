import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import {
  mixCostByCouple,
  mixes,
  parseTaskStat,
  sampledPhasesOptions,
  sampledTraceparent,
  threadCpuPerRequest,
  type PhaseReading,
} from '../src/sampled-phases.ts';
import { meanInterval95 } from '../src/stats.ts';

t.test('options come from BENCH_SAMPLED_* with defaults, and the phases split evenly', async (t) => {
  t.same(sampledPhasesOptions({}), { rate: 600, phaseSeconds: 15, phases: 12, pairs: 2, every: 20, warmupSeconds: 20 });
  t.match(sampledPhasesOptions({ BENCH_SAMPLED_PHASES: '4', BENCH_SAMPLED_EVERY: '1', BENCH_SAMPLED_RATE: '300' }), {
    phases: 4,
    every: 1,
    rate: 300,
  });
  t.throws(() => sampledPhasesOptions({ BENCH_SAMPLED_PHASES: '5' }), /even/);
  t.throws(() => sampledPhasesOptions({ BENCH_SAMPLED_EVERY: '0' }), /BENCH_SAMPLED_EVERY must be a whole number ≥ 1/);
  t.throws(() => sampledPhasesOptions({ BENCH_SAMPLED_RATE: '2.5' }), /BENCH_SAMPLED_RATE must be a whole number ≥ 1/);
});

t.test(
  'the two processes of a pair are always in opposite phases, and the next pair starts the other way',
  async (t) => {
    for (const pair of [0, 1, 2]) {
      for (let phase = 0; phase < 6; phase += 1) t.not(mixes(0, phase, pair), mixes(1, phase, pair));
    }
    t.equal(mixes(0, 0, 0), true);
    t.equal(mixes(0, 0, 1), false);
    t.equal(mixes(0, -1, 0), false, 'the warm-up is no phase');
    t.equal(mixes(1, -1, 0), false);
  },
);

t.test('a sampled traceparent is a valid W3C one of a new trace, sampled flag set', async (t) => {
  const value = sampledTraceparent();
  t.match(value, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.not(value, sampledTraceparent(), 'a new trace each time');
  t.equal(
    sampledTraceparent((size) => Buffer.alloc(size, 0xab)),
    `00-${'ab'.repeat(16)}-${'ab'.repeat(8)}-01`,
  );
});

t.test('the couples of phases cancel a process that costs more anyway and keep the cost of the mix', async (t) => {
  // Process 0 costs 10 % more than process 1 whatever it does; mixing costs 3 %.
  const mixCostFactor = 1.03;
  const processFactor = [1.1, 1];
  const readings = (pair: number) =>
    [0, 1].map((index) =>
      Array.from({ length: 4 }, (_, phase): PhaseReading => {
        const perRequest =
          0.4 * (processFactor[index] as number) * (mixes(index as 0 | 1, phase, pair) ? mixCostFactor : 1);
        return { cpuMs: perRequest * 6_000, requests: 6_000 };
      }),
    ) as [PhaseReading[], PhaseReading[]];
  for (const pair of [0, 1]) {
    const couples = mixCostByCouple(readings(pair), pair);
    t.equal(couples.length, 2);
    for (const couple of couples) t.ok(Math.abs(couple - mixCostFactor) < 1e-12, `${couple} is the mix's cost`);
  }
  // A phase in which a process answered nothing has no ratio: left out, not a NaN in the mean.
  const empty = readings(0);
  empty[1][0] = { cpuMs: 10, requests: 0 };
  t.equal(mixCostByCouple(empty, 0).length, 1);
  t.throws(() => mixCostByCouple([readings(0)[0], []], 0), /no reading of process 1/);
});

t.test('the estimate is the couples’ mean with a t interval', async (t) => {
  const estimate = meanInterval95([1.01, 1.03, 1.02, 1.02]);
  t.ok(estimate !== null);
  t.ok(Math.abs((estimate?.mean ?? 0) - 1.02) < 1e-12);
  t.ok((estimate?.halfWidth ?? 0) > 0);
  t.equal(estimate?.count, 4);
  t.equal(meanInterval95([1.02]), null);
});

t.test('reads a thread’s name and CPU ticks from /proc/<pid>/task/<tid>/stat', async (t) => {
  const stat = '4321 (V8Worker (2)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 200';
  t.same(parseTaskStat(stat), { name: 'V8Worker (2)', cpuMs: 3000 });
  t.throws(() => parseTaskStat('4321 V8Worker S'), /unexpected/);
  // This process's own threads, as the report reads them.
  const tids = await readdir(`/proc/${process.pid}/task`);
  const own = parseTaskStat(await readFile(`/proc/${process.pid}/task/${tids[0]}/stat`, 'utf8'));
  t.ok(own.cpuMs >= 0 && own.name.length > 0);
});

t.test('CPU per request by thread adds up each kind of phase and divides by its requests', async (t) => {
  // Boundaries of three phases; phases 0 and 2 mix.
  const marks = [
    new Map([
      ['main', 1_000],
      ['WorkerThread', 0],
      ['idle', 5],
    ]),
    new Map([
      ['main', 1_450],
      ['WorkerThread', 10],
      ['idle', 5],
    ]),
    new Map([
      ['main', 1_850],
      ['WorkerThread', 10],
      ['idle', 5],
    ]),
    // A thread that started during the last phase counts from zero.
    new Map([
      ['main', 2_310],
      ['WorkerThread', 20],
      ['idle', 5],
      ['V8Worker', 6],
    ]),
  ];
  const readings = [
    { cpuMs: 0, requests: 1_000 },
    { cpuMs: 0, requests: 1_000 },
    { cpuMs: 0, requests: 1_000 },
  ];
  const byThread = threadCpuPerRequest(marks, readings, (phase) => phase !== 1);
  t.same([...byThread.mix.keys()], ['main', 'WorkerThread', 'V8Worker'], 'a thread that used no CPU is left out');
  t.equal(byThread.mix.get('main'), ((450 + 460) * 1_000) / 2_000);
  t.equal(byThread.none.get('main'), 400);
  t.equal(byThread.mix.get('WorkerThread'), 10);
  t.equal(byThread.none.get('WorkerThread'), 0);
  t.equal(byThread.mix.get('V8Worker'), 3);
  t.throws(() => threadCpuPerRequest(marks.slice(0, 2), readings, () => true), /no thread readings around phase 1/);
});
