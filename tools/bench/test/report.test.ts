import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { apiPeakRss, formatReport, resultFileName, writeResult, type BenchResult } from '../src/report.ts';
import type { LoadNumbers, OpenLoopNumbers } from '../src/stats.ts';
import type { WatchResult } from '../src/watching.ts';

const MB = 1024 * 1024;

const load = (requestsPerSecond: number, p99: number, non2xx = 0, cpuMsPerRequest = 1.25): LoadNumbers => ({
  requestsPerSecond,
  latencyP50Ms: 4,
  latencyP99Ms: p99,
  errors: 0,
  non2xx,
  totalRequests: requestsPerSecond * 10,
  peakRssBytes: 200 * MB,
  cpuMsPerRequest,
});

const open = (p99: number, overrides: Partial<OpenLoopNumbers> = {}): OpenLoopNumbers => ({
  rate: 400,
  sent: 4000,
  completed: 4000,
  latencyP50Ms: 2.5,
  latencyP99Ms: p99,
  errors: 0,
  non2xx: 0,
  peakRssBytes: 180 * MB,
  cpuMsPerRequest: 1.5,
  sendLagP99Ms: 0.4,
  ...overrides,
});

const result: BenchResult = {
  startedAt: '2026-11-26T02:00:00.000Z',
  command: 'npm run bench',
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU',
    node: 'v24.0.0',
    totalMemBytes: 4e9,
    loadAverage: { start: 1.5, end: 2.25 },
  },
  settings: {
    connections: 50,
    durationSeconds: 10,
    warmupSeconds: 3,
    rounds: 1,
    poolMax: 10,
    apiLogLevel: 'info',
    tasks: 10_000,
    otherProjects: 100,
    openLoop: true,
    openRateFraction: 0.5,
    openRate: null,
    openRounds: 5,
    apiNodeFlags: [],
    apiNodeOptions: '--max-semi-space-size=16',
    apiEntry: 'packages/api/dist/artifact/server.js',
  },
  scenarios: [
    {
      name: 'get-task',
      kind: 'read',
      api: load(800, 20),
      baseline: load(1000, 10, 0, 0.625),
      open: { api: open(12), baseline: open(6, { cpuMsPerRequest: 0.7 }) },
    },
    {
      name: 'create-task',
      kind: 'write',
      api: load(500, 90, 3),
      baseline: load(1000, 40, 0, 0.5),
      open: { api: open(30, { peakRssBytes: 251 * MB, completed: 3999 }), baseline: open(10) },
    },
    { name: 'replace-task', kind: 'write', api: load(500, 90), baseline: load(1000, 40) },
  ],
  api: { startupMs: 1200, idleRssBytes: 160 * 1024 * 1024 },
  baseline: { startupMs: 300, idleRssBytes: 60 * 1024 * 1024 },
  sdk: { minifiedBytes: 8000, gzipBytes: 3100 },
};

const watchSide = { startupMs: 900, idleRssBytes: 110 * MB, totalRequests: 10_000, requestsPerSecond: 500 };
const watching: WatchResult = {
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
  off: { ...watchSide, cpuMsPerRequest: 1, latencyP99Ms: 90, peakRssBytes: 200 * MB, errors: 0, non2xx: 0 },
  on: { ...watchSide, cpuMsPerRequest: 1.03, latencyP99Ms: 92, peakRssBytes: 205 * MB, errors: 0, non2xx: 0 },
  roundCpuRatios: [1.01, 1.05],
  pairCpuRatios: [1.03],
  received: {
    emf: { documents: 8, invalidLines: 0, bytes: 9_000, metricNames: ['Requests'] },
    otlp: { requests: 4, spans: 600, bytes: 90_000 },
  },
};

t.test('the report shows every number with its verdict', async (t) => {
  const text = formatReport(result);
  t.match(text, '2 × Test CPU, Node v24.0.0 — load average 1.50 → 2.25');
  t.match(
    text,
    "closed loop: 50 connections, 3 s warm-up + 10 s measured per server and scenario; then open loop at 0.5 × the api's closed-loop req/s",
  );
  t.match(
    text,
    'api packages/api/dist/artifact/server.js, LOG_LEVEL=info, one worker, NODE_OPTIONS=--max-semi-space-size=16\n',
  );
  t.match(text, /get-task \(read\)\n\s+api\s+800\s+4\.0\s+20\.0\s+0\s+0\s+200\.0\s+1\.25\n/);
  t.match(text, /\n\s+api\s+400 open\s+2\.5\s+12\.0\s+0\s+0\s+180\.0\s+1\.50\s+send lag p99 0\.4 ms\n/);
  t.match(text, /\n\s+baseline\s+400 open\s+2\.5\s+6\.0\s+0\s+0\s+180\.0\s+0\.70/);
  t.match(text, 'throughput api/baseline 0.80 (closed loop, no target)');
  t.match(text, /get-task[^]*CPU efficiency baseline\/api 0\.50 \(target ≥ 0\.50\): PASS/);
  t.match(text, /get-task[^]*open-loop p99 api\/baseline 2\.00 at 400 req\/s \(target ≤ 2\.00\): PASS/);
  t.match(text, /create-task[^]*CPU efficiency baseline\/api 0\.40 \(target ≥ 0\.50\): FAIL/);
  t.match(text, /create-task[^]*\n\s+api\s+400 open\s+2\.5\s+30\.0\s+1\s+0/, 'an unanswered request shows as an error');
  t.match(text, /create-task[^]*open-loop p99 api\/baseline 3\.00 at 400 req\/s \(target ≤ 2\.00\): FAIL/);
  t.match(text, /create-task[^]*zero errors and non-2xx \(api, every phase\): FAIL/);
  t.match(text, /get-task[^]*zero errors and non-2xx \(api, every phase\): PASS/);
  t.match(text, /replace-task[^]*open-loop phase skipped \(BENCH_OPEN_LOOP=0\): FAIL/);
  t.match(text, 'api peak RSS under load: 251.0 MB (target ≤ 250): FAIL');
  t.match(text, 'api idle RSS: 160.0 MB (target ≤ 120): FAIL   baseline: 60.0 MB');
  t.match(text, 'api start-up to ready: 1200 ms (target ≤ 1000): FAIL   baseline: 300 ms');
  t.match(text, 'SDK runtime: 3100 B min+gzip (8000 B min; target ≤ 5120): PASS');
  t.match(text, 'cost of watching skipped (BENCH_WATCH=0): FAIL');
});

t.test('the report passes what meets the targets and names a fixed rate and node flags', async (t) => {
  const good: BenchResult = {
    ...result,
    settings: { ...result.settings, openRate: 300, apiNodeFlags: ['--cpu-prof'], apiNodeOptions: '' },
    scenarios: [result.scenarios[0]!],
    api: { startupMs: 1000, idleRssBytes: 120 * MB },
    watching,
  };
  const text = formatReport(good);
  t.match(text, /SDK runtime[^\n]*\n\ncost of watching \(get-task, closed loop/, 'after the targets of issue 17');
  t.match(text, 'CPU per request on/off 1.030 (+3.0 %; target ≤ 1.05): PASS');
  t.match(text, 'then open loop at 300 req/s, the same rate for both');
  t.notMatch(text, 'interleaved rounds;', 'one closed-loop round: nothing to say');
  t.match(
    formatReport({ ...good, settings: { ...good.settings, rounds: 2 } }),
    '3 s warm-up + 10 s measured per server and scenario in 2 interleaved rounds; then open loop',
  );
  t.match(text, "5 alternating rounds each, p50/p99 the median of the rounds'");
  t.match(text, 'one worker, NODE_OPTIONS=(none), node flags --cpu-prof\n');
  t.match(text, 'api peak RSS under load: 200.0 MB (target ≤ 250): PASS');
  t.match(text, 'api idle RSS: 120.0 MB (target ≤ 120): PASS');
  t.match(text, 'api start-up to ready: 1000 ms (target ≤ 1000): PASS');
  t.notMatch(text, 'FAIL');
  t.notMatch(formatReport({ ...good, settings: { ...good.settings, openLoop: false } }), 'then open loop');
});

t.test("an open-loop phase in rounds shows each round's p99 and the generator's send lag", async (t) => {
  const rounds = (p99s: number[]) => p99s.map((p99) => ({ latencyP50Ms: 2.5, latencyP99Ms: p99, sendLagP99Ms: 0.5 }));
  const scenario = result.scenarios[0]!;
  const text = formatReport({
    ...result,
    scenarios: [
      {
        ...scenario,
        open: {
          api: open(12, { rounds: rounds([11, 12, 40]) }),
          baseline: open(6, { rounds: rounds([6, 5.5, 7]) }),
        },
      },
    ],
  });
  t.match(
    text,
    'open-loop p99 ms by round (generator send lag p99): api 11.0 (lag 0.5), 12.0 (lag 0.5), 40.0 (lag 0.5)',
  );
  t.match(text, /\n\s+baseline 6\.0 \(lag 0\.5\), 5\.5 \(lag 0\.5\), 7\.0 \(lag 0\.5\)\n/);
  t.notMatch(formatReport(result), 'by round', 'a single run has no rounds to show');
});

t.test('the peak RSS is the api highest in any phase, closed or open loop', async (t) => {
  t.equal(apiPeakRss(result), 251 * MB);
  t.equal(apiPeakRss({ ...result, scenarios: [result.scenarios[2]!] }), 200 * MB);
  t.equal(apiPeakRss({ ...result, scenarios: [] }), 0);
});

t.test('result files are named by start time, safe on every file system', async (t) => {
  t.equal(resultFileName('2026-11-26T02:00:00.000Z'), 'bench-2026-11-26T02-00-00-000Z.json');
});

t.test('writes the JSON result and latest.json', async (t) => {
  const dir = t.testdir();
  const path = await writeResult(join(dir, 'results'), result);
  t.equal(path, join(dir, 'results', 'bench-2026-11-26T02-00-00-000Z.json'));
  t.same(JSON.parse(await readFile(path, 'utf8')), result);
  t.same(JSON.parse(await readFile(join(dir, 'results', 'latest.json'), 'utf8')), result);
});
