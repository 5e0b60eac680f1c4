import t from 'tap';
import { judgeScenario, megabytes, percentile, ratio, TARGETS, type LoadNumbers } from '../src/stats.ts';

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

t.test('reads need ratio ≥ 0.70 and p99 ≤ 25 ms; writes ratio ≥ 0.80', async (t) => {
  const baseline = numbers();
  t.same(judgeScenario('read', numbers({ requestsPerSecond: 700 }), baseline), {
    ratioOk: true,
    p99Ok: true,
    errorsOk: true,
  });
  t.same(judgeScenario('read', numbers({ requestsPerSecond: 690, latencyP99Ms: 26 }), baseline), {
    ratioOk: false,
    p99Ok: false,
    errorsOk: true,
  });
  t.same(judgeScenario('write', numbers({ requestsPerSecond: 790, latencyP99Ms: 500 }), baseline), {
    ratioOk: false,
    p99Ok: true,
    errorsOk: true,
  });
  t.equal(judgeScenario('write', numbers({ requestsPerSecond: 800 }), baseline).ratioOk, true);
  t.equal(judgeScenario('read', numbers({ non2xx: 1 }), baseline).errorsOk, false);
  t.equal(judgeScenario('read', numbers({ errors: 1 }), baseline).errorsOk, false);
  t.equal(judgeScenario('read', numbers(), numbers({ requestsPerSecond: 0 })).ratioOk, false, 'no baseline fails');
  t.equal(TARGETS.sdkGzipBytes, 5120);
});
