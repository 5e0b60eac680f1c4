import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { formatReport, resultFileName, writeResult, type BenchResult } from '../src/report.ts';
import type { LoadNumbers } from '../src/stats.ts';

const load = (requestsPerSecond: number, p99: number, non2xx = 0): LoadNumbers => ({
  requestsPerSecond,
  latencyP50Ms: 4,
  latencyP99Ms: p99,
  errors: 0,
  non2xx,
  totalRequests: requestsPerSecond * 10,
  peakRssBytes: 200 * 1024 * 1024,
  cpuMsPerRequest: 1.25,
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
    poolMax: 10,
    apiLogLevel: 'info',
    tasks: 10_000,
    otherProjects: 100,
  },
  scenarios: [
    { name: 'get-task', kind: 'read', api: load(800, 20), baseline: load(1000, 10) },
    { name: 'create-task', kind: 'write', api: load(500, 90, 3), baseline: load(1000, 40) },
  ],
  api: { startupMs: 1200, idleRssBytes: 160 * 1024 * 1024 },
  baseline: { startupMs: 300, idleRssBytes: 60 * 1024 * 1024 },
  sdk: { minifiedBytes: 8000, gzipBytes: 3100 },
};

t.test('the report shows every number with its verdict', async (t) => {
  const text = formatReport(result);
  t.match(text, '2 × Test CPU, Node v24.0.0 — load average 1.50 → 2.25');
  t.match(text, '50 connections, 3 s warm-up + 10 s measured');
  t.match(text, /get-task \(read\)\n\s+api\s+800\s+4\.0\s+20\.0\s+0\s+0\s+200\.0\s+1\.25/);
  t.match(
    text,
    /ratio\s+0\.80\s+target ≥ 0\.70: ok; p99 ≤ 25 ms: ok; zero errors: ok; CPU efficiency baseline\/api 1\.00/,
  );
  t.match(text, /ratio\s+0\.50\s+target ≥ 0\.80: MISS; zero errors: MISS/);
  t.match(text, 'api start-up to ready: 1200 ms (target < 1500): ok');
  t.match(text, 'api idle RSS: 160.0 MB (target < 150): MISS');
  t.match(text, 'SDK runtime: 3100 B min+gzip (8000 B min; target ≤ 5120): ok');
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
