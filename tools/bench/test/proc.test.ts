import t from 'tap';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { loadServiceSpec } from '@taskboard/template-kit';
import { parseProcStatCpuMs, parseProcStatusField, procCpuMs, procStatusBytes } from '../src/server-process.ts';
import { benchOptions } from '../src/options.ts';
import { originOf, summarise } from '../src/profile-summary.ts';
import { uuidv7 } from '../src/uuidv7.ts';

/** What the production service spec samples: the cost of watching is measured as deployed. */
function prodTraceSampleRatio(): unknown {
  const specFile = fileURLToPath(new URL('../../../templates/service/specs/prod.yaml', import.meta.url));
  return loadServiceSpec(specFile).instances[0]?.spec.trace_sample_ratio;
}

t.test('reads VmRSS and VmHWM from /proc/<pid>/status text', async (t) => {
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  t.equal(parseProcStatusField(status, 'VmRSS'), 102400 * 1024);
  t.equal(parseProcStatusField(status, 'VmHWM'), 204800 * 1024);
  t.throws(() => parseProcStatusField(status, 'VmSwap'));
  const own = await procStatusBytes(process.pid, 'VmRSS');
  t.ok(own > 1024 * 1024, 'this process has a resident set');
});

t.test('reads user + system CPU time from /proc/<pid>/stat, even with odd process names', async (t) => {
  const stat = '1234 (node (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 200';
  t.equal(parseProcStatCpuMs(stat), 3000);
  t.throws(() => parseProcStatCpuMs('1 (x) S'));
  t.ok((await procCpuMs(process.pid)) >= 0);
});

t.test('options come from BENCH_* variables with defaults', async (t) => {
  const defaults = benchOptions({}, '/results');
  t.match(defaults, {
    connections: 50,
    durationSeconds: 10,
    warmupSeconds: 3,
    rounds: 2,
    poolMax: 10,
    build: true,
    resultsDir: '/results',
    openLoop: true,
    openRateFraction: 0.5,
    openRate: undefined,
    openRounds: 10,
  });
  const set = benchOptions(
    {
      BENCH_DURATION: '5',
      BENCH_WARMUP: '0',
      BENCH_ONLY: 'get-task, list-tasks',
      BENCH_BUILD: '0',
      BENCH_API_NODE_FLAGS: '--cpu-prof',
    },
    '/results',
  );
  t.match(set, { durationSeconds: 5, warmupSeconds: 0, build: false });
  t.same(set.only, ['get-task', 'list-tasks']);
  t.same(set.apiNodeFlags, ['--cpu-prof']);
  t.throws(() => benchOptions({ BENCH_CONNECTIONS: '0' }, '/r'), /BENCH_CONNECTIONS/);
  t.throws(() => benchOptions({ BENCH_DURATION: 'ten' }, '/r'), /BENCH_DURATION/);
  t.match(benchOptions({ BENCH_OPEN_LOOP: '0', BENCH_OPEN_FRACTION: '0.25', BENCH_OPEN_RATE: '300' }, '/r'), {
    openLoop: false,
    openRateFraction: 0.25,
    openRate: 300,
  });
  t.throws(() => benchOptions({ BENCH_OPEN_FRACTION: '0' }, '/r'), /BENCH_OPEN_FRACTION must be a number in \(0, 1\]/);
  t.throws(() => benchOptions({ BENCH_OPEN_FRACTION: '1.5' }, '/r'), /BENCH_OPEN_FRACTION/);
  t.throws(() => benchOptions({ BENCH_OPEN_RATE: '0' }, '/r'), /BENCH_OPEN_RATE/);
  t.equal(benchOptions({ BENCH_OPEN_ROUNDS: '1' }, '/r').openRounds, 1);
  t.equal(benchOptions({ BENCH_ROUNDS: '1' }, '/r').rounds, 1);
  t.throws(() => benchOptions({ BENCH_ROUNDS: '0' }, '/r'), /BENCH_ROUNDS/);
  t.throws(() => benchOptions({ BENCH_OPEN_ROUNDS: '0' }, '/r'), /BENCH_OPEN_ROUNDS/);
});

t.test('the api runs as the artifact production installs unless BENCH_API_ENTRY=dist', async (t) => {
  t.equal(benchOptions({}, '/r').apiEntry, 'artifact');
  t.equal(benchOptions({ BENCH_API_ENTRY: 'dist' }, '/r').apiEntry, 'dist');
  t.throws(() => benchOptions({ BENCH_API_ENTRY: 'src' }, '/r'), /BENCH_API_ENTRY must be artifact or dist/);
});

t.test(
  'the cost-of-watching phase runs by default, one scenario, 120 s per side over 6 process pairs of 2 rounds side by side at a fixed rate, the prod sampling',
  async (t) => {
    t.match(benchOptions({}, '/r'), {
      watch: true,
      watchScenario: 'get-task',
      watchDurationSeconds: 120,
      watchRounds: 2,
      watchPairs: 6,
      watchSamplerRatio: prodTraceSampleRatio(),
      watchFlushSeconds: 5,
      watchSignals: 'both',
      watchOffSignals: 'none',
      watchSideBySide: true,
      watchWarmupSeconds: 10,
      watchOpenLoop: true,
      watchOnDir: undefined,
    });
    t.equal(
      benchOptions({ BENCH_WATCH_ON_DIR: 'other/packages/api/dist/artifact' }, '/r').watchOnDir,
      resolve('other/packages/api/dist/artifact'),
    );
    t.equal(benchOptions({ BENCH_WATCH_SIDE_BY_SIDE: '0' }, '/r').watchSideBySide, false);
    t.equal(benchOptions({ BENCH_WATCH_OPEN_LOOP: '0' }, '/r').watchOpenLoop, false);
    t.equal(benchOptions({ BENCH_WATCH_WARMUP: '3' }, '/r').watchWarmupSeconds, 3);
    t.match(
      benchOptions(
        {
          BENCH_WATCH: '0',
          BENCH_WATCH_SCENARIO: 'list-tasks',
          BENCH_WATCH_DURATION: '40',
          BENCH_WATCH_ROUNDS: '6',
          BENCH_WATCH_SAMPLER_RATIO: '1',
          BENCH_WATCH_FLUSH_SECONDS: '60',
        },
        '/r',
      ),
      {
        watch: false,
        watchScenario: 'list-tasks',
        watchDurationSeconds: 40,
        watchRounds: 6,
        watchSamplerRatio: 1,
        watchFlushSeconds: 60,
      },
    );
    t.throws(() => benchOptions({ BENCH_WATCH_SAMPLER_RATIO: '0' }, '/r'), /BENCH_WATCH_SAMPLER_RATIO/);
    t.throws(() => benchOptions({ BENCH_WATCH_ROUNDS: '0' }, '/r'), /BENCH_WATCH_ROUNDS/);
    t.equal(benchOptions({ BENCH_WATCH_PAIRS: '1' }, '/r').watchPairs, 1);
    t.throws(() => benchOptions({ BENCH_WATCH_PAIRS: '0' }, '/r'), /BENCH_WATCH_PAIRS/);
    t.equal(benchOptions({ BENCH_WATCH_SIGNALS: 'metrics' }, '/r').watchSignals, 'metrics');
    t.equal(benchOptions({ BENCH_WATCH_SIGNALS: 'traces' }, '/r').watchSignals, 'traces');
    t.equal(benchOptions({ BENCH_WATCH_SIGNALS: 'none' }, '/r').watchSignals, 'none');
    t.throws(
      () => benchOptions({ BENCH_WATCH_SIGNALS: 'logs' }, '/r'),
      /BENCH_WATCH_SIGNALS must be both, metrics, traces or none, got "logs"/,
    );
    t.equal(benchOptions({ BENCH_WATCH_OFF_SIGNALS: 'both' }, '/r').watchOffSignals, 'both');
    t.throws(
      () => benchOptions({ BENCH_WATCH_OFF_SIGNALS: 'all' }, '/r'),
      /BENCH_WATCH_OFF_SIGNALS must be both, metrics, traces or none, got "all"/,
    );
  },
);

t.test('profile frames are grouped by package or own file', async (t) => {
  t.equal(originOf('file:///work/main/node_modules/@prisma/client/runtime/client.js'), '@prisma/client');
  t.equal(originOf('file:///work/main/node_modules/pg/lib/client.js'), 'pg');
  t.equal(originOf('file:///work/main/packages/api/dist/services/tasks.js'), 'api/services/tasks.js');
  t.equal(originOf('node:net'), 'node:internal');
  t.equal(originOf(''), '(native / V8)');
});

t.test('uuidv7 ids are version 7 and sort by their timestamp', async (t) => {
  const first = uuidv7(1_700_000_000_000);
  const second = uuidv7(1_700_000_000_001);
  t.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.ok(first < second);
  t.equal(first.slice(0, 13).replace('-', ''), (1_700_000_000_000).toString(16).padStart(12, '0'));
});

t.test('summarise adds self time per origin and function, skipping idle and early samples', async (t) => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(idle)', '') },
      { id: 2, callFrame: frame('query', 'file:///x/node_modules/pg/lib/client.js') },
      { id: 3, callFrame: frame('', 'file:///x/packages/api/dist/app.js') },
    ],
    samples: [1, 2, 2, 3, 2, 9],
    timeDeltas: [1000, 1000, 1000, 2000, 1000, 1000],
  };
  const all = summarise(profile, 10);
  t.equal(all.totalMicros, 5000, 'idle and unknown nodes are not counted');
  t.same(all.byOrigin, [
    { name: 'pg', micros: 3000, share: 0.6 },
    { name: 'api/app.js', micros: 2000, share: 0.4 },
  ]);
  t.equal(all.byFunction[0]?.name, 'query pg:1');
  t.equal(all.byFunction[1]?.name, '(anonymous) api/app.js:1');
  const late = summarise(profile, 1, 4);
  t.equal(late.totalMicros, 3000, 'samples before 4 ms are skipped');
  t.equal(late.byOrigin.length, 1);
  t.same(summarise({ nodes: [], samples: [], timeDeltas: [] }).byOrigin, []);
});
