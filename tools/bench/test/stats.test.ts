import t from 'tap';
import {
  combineLoadRounds,
  combineOpenLoopRounds,
  dueCount,
  intendedSendMs,
  judgeScenario,
  meanInterval95,
  median,
  megabytes,
  openLoopRate,
  percentile,
  ratio,
  TARGETS,
  type LoadNumbers,
  type OpenLoopNumbers,
} from '../src/stats.ts';

const numbers = (overrides: Partial<LoadNumbers> = {}): LoadNumbers => ({
  requestsPerSecond: 1000,
  latencyP50Ms: 5,
  latencyP99Ms: 20,
  errors: 0,
  non2xx: 0,
  totalRequests: 10_000,
  peakRssBytes: 100 * 1024 * 1024,
  cpuMsPerRequest: 0.5,
  ...overrides,
});

t.test('ratio is api over baseline, rounded to two decimals', async (t) => {
  t.equal(ratio(750, 1000), 0.75);
  t.equal(ratio(2, 3), 0.67);
  t.equal(ratio(0, 1000), 0);
  t.equal(ratio(1000, 0), null, 'no baseline, no ratio');
  t.equal(ratio(Number.NaN, 10), null);
});

t.test('percentile is nearest-rank over unsorted samples', async (t) => {
  const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  t.equal(percentile(samples, 50), 5);
  t.equal(percentile(samples, 99), 10);
  t.equal(percentile(samples, 100), 10);
  t.equal(percentile(samples, 10), 1);
  t.equal(percentile([42], 1), 42);
  t.ok(Number.isNaN(percentile([], 50)));
  t.throws(() => percentile(samples, 0), RangeError);
  t.same(samples, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 'input is not sorted in place');
});

t.test('megabytes rounds to one decimal MiB', async (t) => {
  t.equal(megabytes(150 * 1024 * 1024), 150);
  t.equal(megabytes(1.26 * 1024 * 1024), 1.3);
});

const open = (overrides: Partial<OpenLoopNumbers> = {}): OpenLoopNumbers => ({
  rate: 200,
  sent: 2000,
  completed: 2000,
  latencyP50Ms: 3,
  latencyP99Ms: 10,
  errors: 0,
  non2xx: 0,
  peakRssBytes: 100 * 1024 * 1024,
  cpuMsPerRequest: 0.5,
  sendLagP99Ms: 0.2,
  ...overrides,
});

t.test("issue 17's targets", async (t) => {
  t.same(TARGETS, {
    cpuEfficiency: 0.5,
    openLoopP99Ratio: 2,
    peakRssBytes: 250 * 1024 * 1024,
    idleRssBytes: 120 * 1024 * 1024,
    startupMs: 1000,
    sdkGzipBytes: 5120,
  });
});

t.test('CPU efficiency is baseline CPU/request ÷ api CPU/request, ≥ 0.50, judged unrounded', async (t) => {
  const baseline = numbers({ cpuMsPerRequest: 0.5 });
  const at = (apiCpu: number) =>
    judgeScenario(numbers({ cpuMsPerRequest: apiCpu }), baseline, { api: open(), baseline: open() });
  t.equal(at(1).cpuEfficiency, 0.5);
  t.equal(at(1).cpuOk, true, 'exactly 0.50 passes');
  t.equal(at(1.01).cpuOk, false, '0.495 would print as 0.50 but fails');
  t.equal(at(2).cpuEfficiency, 0.25);
  t.equal(at(Number.NaN).cpuEfficiency, null);
  t.equal(at(Number.NaN).cpuOk, false, 'no measurement is no pass');
  t.equal(judgeScenario(numbers(), numbers({ cpuMsPerRequest: Number.NaN })).cpuOk, false);
});

t.test('open loop: api p99 ≤ 2 × baseline p99 at the same rate', async (t) => {
  const judge = (apiP99: number, baseP99: number) =>
    judgeScenario(numbers(), numbers(), {
      api: open({ latencyP99Ms: apiP99 }),
      baseline: open({ latencyP99Ms: baseP99 }),
    });
  t.same(judge(20, 10), { cpuEfficiency: 1, cpuOk: true, openLoopP99Ratio: 2, openLoopOk: true, errorsOk: true });
  t.equal(judge(20.1, 10).openLoopOk, false);
  t.equal(judge(20, 0).openLoopOk, false, 'a baseline p99 of 0 gives no ratio: no pass');
  const skipped = judgeScenario(numbers(), numbers());
  t.equal(skipped.openLoopP99Ratio, null);
  t.equal(skipped.openLoopOk, false, 'no open-loop phase is no pass');
});

t.test('errors: closed-loop errors and non-2xx, open-loop non-2xx and unanswered requests', async (t) => {
  const withOpen = (api: Partial<OpenLoopNumbers>) => ({ api: open(api), baseline: open() });
  t.equal(judgeScenario(numbers(), numbers(), withOpen({})).errorsOk, true);
  t.equal(judgeScenario(numbers({ non2xx: 1 }), numbers(), withOpen({})).errorsOk, false);
  t.equal(judgeScenario(numbers({ errors: 1 }), numbers(), withOpen({})).errorsOk, false);
  t.equal(judgeScenario(numbers(), numbers(), withOpen({ non2xx: 1 })).errorsOk, false);
  t.equal(judgeScenario(numbers(), numbers(), withOpen({ completed: 1999, errors: 1 })).errorsOk, false);
  t.equal(judgeScenario(numbers(), numbers(), withOpen({ completed: 1999 })).errorsOk, false, 'lost at the deadline');
  t.equal(
    judgeScenario(numbers(), numbers({ errors: 5 }), withOpen({})).errorsOk,
    true,
    "the baseline's errors are not the api's",
  );
});

t.test('the open-loop rate is a share of the api closed-loop maximum, at least 1/s', async (t) => {
  t.equal(openLoopRate(901), 450);
  t.equal(openLoopRate(901, 0.25), 225);
  t.equal(openLoopRate(1), 1);
  t.equal(openLoopRate(0), 1);
  t.equal(openLoopRate(Number.NaN), 1);
  t.throws(() => openLoopRate(100, 0), RangeError);
  t.throws(() => openLoopRate(100, 1.5), RangeError);
});

t.test('the schedule: request i is due at i/rate seconds', async (t) => {
  t.equal(intendedSendMs(0, 200), 0);
  t.equal(intendedSendMs(3, 200), 15);
  t.equal(dueCount(-1, 200), 0);
  t.equal(dueCount(0, 200), 1, 'the first is due at once');
  t.equal(dueCount(4.99, 200), 1);
  t.equal(dueCount(5, 200), 2);
  t.equal(dueCount(1000, 200), 201);
  t.equal(dueCount(intendedSendMs(7, 3), 3), 8, 'no rounding gap at a due time (7000/3 ms)');
  for (let i = 0; i < 1000; i++) {
    if (dueCount(intendedSendMs(i, 333), 333) !== i + 1) t.fail(`request ${i} not due at its own time`);
  }
});

t.test('meanInterval95: the mean and its Student t 95 % interval; null under two values', async (t) => {
  // Two values 1 and 3: mean 2, sd √2, t(1 df) 12.706 → half width 12.706 · √2 / √2.
  const two = meanInterval95([1, 3]);
  t.equal(two?.mean, 2);
  t.equal(two?.count, 2);
  t.ok(Math.abs((two?.halfWidth ?? 0) - 12.706) < 1e-9);
  // Ten values 1..10: mean 5.5, sd 3.02765, t(9 df) 2.262 → 2.1658.
  const ten = meanInterval95(Array.from({ length: 10 }, (_, i) => i + 1));
  t.equal(ten?.mean, 5.5);
  t.ok(Math.abs((ten?.halfWidth ?? 0) - 2.1658) < 1e-3, String(ten?.halfWidth));
  // Past the table (30 df) the last value is used: slightly wide, never narrow.
  const many = meanInterval95(Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 1 : -1)));
  t.equal(many?.mean, 0);
  t.ok(Math.abs((many?.halfWidth ?? 0) - (2.042 * Math.sqrt(32 / 31)) / Math.sqrt(32)) < 1e-9);
  t.equal(meanInterval95([1, 1, 1])?.halfWidth, 0, 'no spread, no width');
  t.equal(meanInterval95([1.05]), null);
  t.equal(meanInterval95([Number.NaN, 1.05]), null, 'only finite values count');
});

t.test('median: the middle value, or the mean of the middle two', async (t) => {
  t.equal(median([5, 1, 3]), 3);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.ok(Number.isNaN(median([])));
});

t.test('open-loop rounds combine: median percentiles, summed counts, CPU over all requests, highest RSS', async (t) => {
  const round = (overrides: Partial<OpenLoopNumbers>): OpenLoopNumbers => ({
    rate: 400,
    sent: 800,
    completed: 800,
    latencyP50Ms: 2,
    latencyP99Ms: 10,
    errors: 0,
    non2xx: 0,
    peakRssBytes: 100,
    cpuMsPerRequest: 1,
    sendLagP99Ms: 0.5,
    ...overrides,
  });
  const combined = combineOpenLoopRounds([
    round({ latencyP99Ms: 9, latencyP50Ms: 2.2 }),
    // One round during a stall of the machine: the generator sent late too.
    round({ latencyP99Ms: 60, latencyP50Ms: 3, sendLagP99Ms: 25, peakRssBytes: 300, completed: 799, errors: 1 }),
    round({ latencyP99Ms: 11, latencyP50Ms: 1.9, cpuMsPerRequest: 2, non2xx: 2 }),
  ]);
  t.match(combined, {
    rate: 400,
    sent: 2400,
    completed: 2399,
    latencyP50Ms: 2.2,
    latencyP99Ms: 11,
    errors: 1,
    non2xx: 2,
    peakRssBytes: 300,
    sendLagP99Ms: 0.5,
  });
  t.equal(combined.cpuMsPerRequest, (800 + 799 + 1600) / 2399);
  t.same(
    combined.rounds?.map((r) => r.latencyP99Ms),
    [9, 60, 11],
    'every round stays in the result',
  );
  // A server slow in every round stays slow: the median does not hide its own tail.
  t.equal(combineOpenLoopRounds([round({ latencyP99Ms: 40 }), round({ latencyP99Ms: 45 })]).latencyP99Ms, 42.5);
  t.throws(() => combineOpenLoopRounds([]), /no open-loop rounds/);
});

t.test('closed-loop rounds combine: CPU over all requests, mean req/s, median latencies, summed errors', async (t) => {
  const combined = combineLoadRounds([
    numbers({ requestsPerSecond: 1000, totalRequests: 5000, cpuMsPerRequest: 0.4, latencyP99Ms: 20, non2xx: 1 }),
    numbers({ requestsPerSecond: 600, totalRequests: 3000, cpuMsPerRequest: 0.6, latencyP99Ms: 90, errors: 2 }),
    numbers({ requestsPerSecond: 800, totalRequests: 4000, cpuMsPerRequest: 0.5, latencyP99Ms: 30, peakRssBytes: 1 }),
  ]);
  t.match(combined, {
    requestsPerSecond: 800,
    latencyP50Ms: 5,
    latencyP99Ms: 30,
    errors: 2,
    non2xx: 1,
    totalRequests: 12_000,
    peakRssBytes: 100 * 1024 * 1024,
  });
  // (5000 × 0.4 + 3000 × 0.6 + 4000 × 0.5) / 12000: per request, not the mean of the rounds' 0.5.
  t.equal(combined.cpuMsPerRequest, 5800 / 12_000);
  t.throws(() => combineLoadRounds([]), /no closed-loop rounds/);
});
