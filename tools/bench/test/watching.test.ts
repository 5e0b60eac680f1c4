import t from 'tap';
import type { LoadNumbers } from '../src/stats.ts';
import {
  roundCpuRatios,
  combineRuns,
  formatWatching,
  instrumentationEnv,
  judgeWatching,
  WATCH_CPU_RATIO_TARGET,
  type WatchResult,
  type WatchSide,
} from '../src/watching.ts';

const MB = 1024 * 1024;

const run = (totalRequests: number, cpuMsPerRequest: number, overrides: Partial<LoadNumbers> = {}): LoadNumbers => ({
  requestsPerSecond: totalRequests / 10,
  latencyP50Ms: 40,
  latencyP99Ms: 90,
  errors: 0,
  non2xx: 0,
  totalRequests,
  peakRssBytes: 200 * MB,
  cpuMsPerRequest,
  ...overrides,
});

const side = (cpuMsPerRequest: number, overrides: Partial<WatchSide> = {}): WatchSide => ({
  startupMs: 900,
  idleRssBytes: 110 * MB,
  totalRequests: 10_000,
  requestsPerSecond: 500,
  cpuMsPerRequest,
  latencyP99Ms: 90,
  peakRssBytes: 200 * MB,
  errors: 0,
  non2xx: 0,
  ...overrides,
});

const received: WatchResult['received'] = {
  emf: { documents: 12, invalidLines: 0, bytes: 34_000, metricNames: ['Latency', 'Requests'] },
  otlp: { requests: 5, spans: 1_500, bytes: 400_000 },
};

const watch = (off: WatchSide, on: WatchSide, overrides: Partial<WatchResult> = {}): WatchResult => ({
  scenario: 'get-task',
  rounds: 2,
  pairs: 1,
  durationSeconds: 20,
  samplerRatio: 0.05,
  flushSeconds: 5,
  signals: 'both',
  offSignals: 'none',
  sideBySide: false,
  openRate: null,
  off,
  on,
  roundCpuRatios: [1.02, 1.08, null],
  pairCpuRatios: [1.05],
  received,
  ...overrides,
});

t.test('off sets no exporter; on exports as the service template does, to the sinks', async (t) => {
  const endpoints = { emf: 'tcp://127.0.0.1:4001', otlp: 'http://127.0.0.1:4002' };
  t.same(instrumentationEnv('off', endpoints, 0.05, 5), { METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' });
  t.same(instrumentationEnv('on', endpoints, 0.05, 5), {
    METRICS_EXPORTER: 'emf-agent',
    METRICS_EMF_ENDPOINT: 'tcp://127.0.0.1:4001',
    METRICS_FLUSH_SECONDS: '5',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4002',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.05',
  });
  t.same(instrumentationEnv('on', endpoints, 0.05, 5, 'metrics'), {
    METRICS_EXPORTER: 'emf-agent',
    METRICS_EMF_ENDPOINT: 'tcp://127.0.0.1:4001',
    METRICS_FLUSH_SECONDS: '5',
    OTEL_TRACES_EXPORTER: 'none',
  });
  t.same(instrumentationEnv('on', endpoints, 1, 5, 'traces'), {
    METRICS_EXPORTER: 'none',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4002',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '1',
  });
  t.same(
    instrumentationEnv('on', endpoints, 0.05, 5, 'none'),
    instrumentationEnv('off', endpoints, 0.05, 5),
    'A/A: both sides alike',
  );
  t.same(
    instrumentationEnv('off', endpoints, 0.05, 5, 'both', 'both'),
    instrumentationEnv('on', endpoints, 0.05, 5),
    'BENCH_WATCH_OFF_SIGNALS: an A/B of two builds with the same instrumentation',
  );
});

t.test('rounds combine into total CPU over total requests, peaks and errors across rounds', async (t) => {
  // 4,000 requests at 1.0 ms + 6,000 at 1.5 ms = 13,000 ms over 10,000 requests.
  const combined = combineRuns(850, 100 * MB, [
    run(4_000, 1.0, { latencyP99Ms: 120, errors: 1 }),
    run(6_000, 1.5, { peakRssBytes: 230 * MB, non2xx: 2 }),
  ]);
  t.same(combined, {
    startupMs: 850,
    idleRssBytes: 100 * MB,
    totalRequests: 10_000,
    requestsPerSecond: 500,
    cpuMsPerRequest: 1.3,
    latencyP99Ms: 120,
    peakRssBytes: 230 * MB,
    errors: 1,
    non2xx: 2,
  });
  t.ok(Number.isNaN(combineRuns(1, 1, [run(0, Number.NaN)]).cpuMsPerRequest), 'no requests, no CPU per request');
  t.ok(Number.isNaN(combineRuns(1, 1, []).cpuMsPerRequest));
});

t.test('each round pairs the off and on runs of that round', async (t) => {
  t.same(roundCpuRatios([run(1, 1.0), run(1, 2.0), run(0, Number.NaN)], [run(1, 1.1), run(1, 2.0), run(1, 1)]), [
    1.1,
    1,
    null,
  ]);
  t.same(roundCpuRatios([run(1, 1.0)], []), [null], 'a missing on run');
});

t.test('instrumentation may add at most 5 % CPU per request, judged unrounded', async (t) => {
  t.equal(WATCH_CPU_RATIO_TARGET, 1.05);
  t.match(judgeWatching(watch(side(1.0), side(1.05))), {
    cpuOk: true,
    startupOk: true,
    idleRssOk: true,
    errorsOk: true,
  });
  t.equal(judgeWatching(watch(side(1.0), side(1.05))).cpuRatio, 1.05);
  const over = judgeWatching(watch(side(1.0), side(1.054)));
  t.equal(over.cpuOk, false, '1.054 prints as 1.05 but is over');
  t.equal(judgeWatching(watch(side(1.0), side(0.97))).cpuOk, true, 'noise below 1 passes');
  t.match(judgeWatching(watch(side(Number.NaN), side(1))), { cpuRatio: null, cpuOk: false });
  t.match(judgeWatching(watch(side(1), side(1, { startupMs: 1_001, idleRssBytes: 121 * MB }))), {
    startupOk: false,
    idleRssOk: false,
  });
  t.equal(judgeWatching(watch(side(1, { non2xx: 1 }), side(1))).errorsOk, false, 'either side');
  t.equal(judgeWatching(watch(side(1), side(1, { errors: 1 }))).errorsOk, false);
});

t.test("the pairs' interval says whether one run settles the verdict", async (t) => {
  const judged = (pairCpuRatios: (number | null)[]) =>
    judgeWatching(watch(side(1), side(1.04), { pairs: pairCpuRatios.length, pairCpuRatios }));
  const under = judged([1.02, 1.03, 1.04, 1.03, null]);
  t.match(under.interval, { over: 'pairs', count: 4 }, 'pairs without a ratio are left out');
  t.equal(under.intervalAgainstTarget, 'under');
  t.equal(judged([1.04, 1.06, 1.05, 1.05]).intervalAgainstTarget, 'across', 'mean at the target');
  t.equal(judged([1.01, 1.09]).intervalAgainstTarget, 'across', 'two pairs far apart: wide');
  t.equal(judged([1.07, 1.08, 1.09]).intervalAgainstTarget, 'over');
  t.equal(judged([1.03, null]).interval, null, 'one measured pair: no interval');
  t.equal(judged([1.03, null]).intervalAgainstTarget, null);
  t.equal(judged([1.03, 1.03]).cpuRatio, 1.04, 'the verdict itself is still over all requests');

  // Rounds that agree inside pairs that do not: the pairs decide, and the run does not settle it.
  const pairsApart = judgeWatching(
    watch(side(1), side(1.04), {
      pairs: 3,
      pairCpuRatios: [1.0, 1.04, 1.08],
      roundCpuRatios: [1.0, 1.0, 1.04, 1.04, 1.08, 1.08],
    }),
  );
  t.match(pairsApart, { interval: { over: 'pairs', count: 3 }, intervalAgainstTarget: 'across' });

  // With one pair, its rounds are all there is.
  const onePair = (roundCpuRatios: (number | null)[]) =>
    watch(side(1), side(1.04), { pairs: 1, pairCpuRatios: [1.04], roundCpuRatios });
  t.match(judgeWatching(onePair([1.02, 1.03, 1.04, 1.03, null])).interval, { over: 'rounds', count: 4 });
  t.equal(judgeWatching(onePair([1.03])).interval, null, 'one round: no interval');

  const text = (pairCpuRatios: (number | null)[]) =>
    formatWatching(watch(side(1), side(1.04), { pairs: pairCpuRatios.length, pairCpuRatios })).join('\n');
  t.match(
    text([1.02, 1.03, 1.04, 1.03]),
    '\n  its 4 pairs: mean 1.030, 95 % interval 1.017–1.043: all of it within the target\n',
  );
  t.match(text([1.01, 1.09]), 'it reaches across the target, so this run alone does not settle the verdict');
  t.match(text([1.07, 1.08, 1.09]), 'all of it over the target');
  t.match(
    formatWatching(onePair([1.02, 1.03, 1.04, 1.03])).join('\n'),
    '\n  its 4 rounds: mean 1.030, 95 % interval 1.017–1.043: all of it within the target\n',
  );
  t.notMatch(formatWatching(onePair([1.03])).join('\n'), 'its 1 rounds', 'no line without an interval');
});

t.test('the report section shows both sides, the ratio with its verdict and what the sinks received', async (t) => {
  const text = formatWatching(watch(side(1.2), side(1.26, { startupMs: 1_100, idleRssBytes: 125 * MB }))).join('\n');
  t.match(text, 'cost of watching (get-task, closed loop, 20 s measured per side in 2 alternating rounds)');
  t.match(
    formatWatching(watch(side(1), side(1), { sideBySide: true, openRate: 600 })).join('\n'),
    'cost of watching (get-task, open loop at 600 req/s each, 20 s measured per side in 2 rounds, both sides at once): instrumentation off',
  );
  t.match(text, 'flushed every 5 s; OTLP traces to an HTTP sink, parentbased_traceidratio 0.05)');
  t.match(
    text,
    /\n {2}off {2}\s+500 req\/s {2}p99\s+90\.0 ms {2}1\.200 CPU ms\/req {2}10000 requests {2}0 errors {2}0 non-2xx {2}start-up 900 ms {2}idle RSS 110\.0 MB {2}peak 200\.0 MB/,
  );
  t.match(text, 'CPU per request on/off 1.050 (+5.0 %; target ≤ 1.05): PASS   by round: 1.02, 1.08, -\n');
  t.notMatch(text, 'by pair', 'one pair: nothing to split');
  const paired = formatWatching(
    watch(side(1), side(1.03), { pairs: 3, durationSeconds: 36, rounds: 4, sideBySide: true, openRate: 600 }),
  ).join('\n');
  t.match(
    paired,
    'cost of watching (get-task, open loop at 600 req/s each, 36 s measured per side in 4 rounds, both sides at once, for each of 3 fresh process pairs)',
  );
  t.match(
    paired,
    'CPU per request on/off 1.030 (+3.0 %; target ≤ 1.05): PASS   by pair: 1.05;   by round: 1.02, 1.08, -',
  );
  t.match(text, 'start-up on 1100 ms (+200 ms vs off; target ≤ 1000): FAIL');
  t.match(text, 'idle RSS on 125.0 MB (+15.0 MB vs off; target ≤ 120): FAIL');
  t.match(text, 'zero errors and non-2xx (both sides): PASS');
  t.match(
    text,
    'received from the api: 12 EMF documents (0 invalid lines, 34000 B; metrics Latency, Requests), 5 OTLP trace exports with 1500 spans (400000 B)',
  );
  t.notMatch(text, 'nothing received');
  t.notMatch(text, 'BENCH_WATCH_SIGNALS');
  t.match(
    formatWatching(watch(side(1), side(1), { signals: 'traces' })).join('\n'),
    'parentbased_traceidratio 0.05) — "on" with traces only (BENCH_WATCH_SIGNALS)\n',
  );
  t.match(
    formatWatching(watch(side(1), side(1), { signals: 'none' })).join('\n'),
    '— "on" with nothing on (BENCH_WATCH_SIGNALS=none): an A/A run, its ratio is the measurement\'s own error\n',
  );
  t.notMatch(text, 'BENCH_WATCH_OFF_SIGNALS');
  t.match(
    formatWatching(watch(side(1), side(1), { offSignals: 'both', onDir: '/other/artifact' })).join('\n'),
    '0.05) — "off" with both on too (BENCH_WATCH_OFF_SIGNALS; the sinks count both sides) — "on" is the build in /other/artifact (BENCH_WATCH_ON_DIR)\n',
  );
  const nothing = {
    emf: { documents: 0, invalidLines: 0, bytes: 0, metricNames: [] },
    otlp: { requests: 0, spans: 0, bytes: 0 },
  };
  t.notMatch(
    formatWatching(watch(side(1), side(1), { signals: 'none', received: nothing })).join('\n'),
    'nothing received',
    'an A/A run is expected to receive nothing',
  );

  const costly = formatWatching(watch(side(1.0), side(1.2))).join('\n');
  t.match(costly, 'CPU per request on/off 1.200 (+20.0 %; target ≤ 1.05): FAIL');
  const cheaper = formatWatching(watch(side(1.0), side(0.98))).join('\n');
  t.match(cheaper, 'CPU per request on/off 0.980 (-2.0 %; target ≤ 1.05): PASS');
});

t.test('an api that ignores the variables: "0 received", said plainly, not a failure of the run', async (t) => {
  const nothing: WatchResult['received'] = {
    emf: { documents: 0, invalidLines: 0, bytes: 0, metricNames: [] },
    otlp: { requests: 0, spans: 0, bytes: 0 },
  };
  const text = formatWatching(watch(side(1), side(1), { received: nothing })).join('\n');
  t.match(
    text,
    'received from the api: 0 EMF documents (0 invalid lines, 0 B), 0 OTLP trace exports with 0 spans (0 B)',
  );
  t.match(text, 'nothing received: this api build ignores the instrumentation variables');
  const unmeasured = formatWatching(watch(side(Number.NaN), side(Number.NaN))).join('\n');
  t.match(unmeasured, 'CPU per request on/off - (- %; target ≤ 1.05): FAIL');
  t.match(unmeasured, '- CPU ms/req');
});
