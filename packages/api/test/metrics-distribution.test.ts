// The latency distribution: what CloudWatch computes percentiles from (Values weighted by Counts).
import t from 'tap';
import { BUCKET_COUNT, Distribution, type DistributionValue } from '../src/metrics/distribution.ts';

/** The percentile CloudWatch would see: the value at which the cumulative count passes p. */
function percentile(d: DistributionValue, p: number): number {
  const pairs = d.Values.map((value, i) => [value, d.Counts[i] ?? 0] as const).sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [value, count] of pairs) {
    seen += count;
    if (seen >= (p / 100) * d.Count) return value;
  }
  return d.Max;
}

t.test('percentiles from the buckets stay within 10 % of the exact ones', async (t) => {
  const distribution = new Distribution();
  const samples: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    // A long-tailed latency: mostly 2-20 ms, a few up to 2 s.
    const value = i % 100 === 0 ? 200 + (i % 1800) : 2 + ((i * 7919) % 1800) / 100;
    samples.push(value);
    distribution.record(value);
  }
  const snapshot = distribution.takeSnapshot();
  if (snapshot === undefined) throw new Error('no snapshot');
  samples.sort((a, b) => a - b);
  for (const p of [50, 90, 99]) {
    const exact = samples[Math.ceil((p / 100) * samples.length) - 1] ?? 0;
    const estimate = percentile(snapshot, p);
    t.ok(Math.abs(estimate - exact) / exact < 0.1, `p${p}: ${estimate} vs ${exact}`);
  }
  t.equal(snapshot.Count, 10_000);
  t.equal(
    snapshot.Counts.reduce((a, b) => a + b, 0),
    10_000,
  );
  t.ok(snapshot.Values.length <= 100, 'at most 100 values, the EMF limit');
  t.equal(snapshot.Min, samples[0]);
  t.equal(snapshot.Max, samples.at(-1));
});

t.test('extremes and junk: clamped into the first and last bucket, NaN and negatives ignored', async (t) => {
  const distribution = new Distribution();
  for (const value of [0, 0.001, 1e9, Number.NaN, -1]) distribution.record(value);
  const snapshot = distribution.takeSnapshot();
  t.match(snapshot, { Count: 3, Min: 0, Max: 1e9 });
  t.equal(snapshot?.Values.length, 2);
  t.ok(BUCKET_COUNT <= 100);
  t.equal(distribution.takeSnapshot(), undefined, 'a snapshot starts a new interval');
});
