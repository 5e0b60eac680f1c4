/**
 * The cluster primary's policies on real processes (stand-in workers from fixtures/): restart with
 * backoff and give up on a crash loop, pass a worker's configuration error on as 78, drain every
 * worker on SIGTERM and exit 0, and exit 1 when a worker fails or outlives the drain limit; a worker
 * dying while the primary tells it to drain does not crash the primary.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { DEFAULT_RESTART_POLICY, restartDelay } from '../../src/cluster-primary.ts';

const DRIVER = fileURLToPath(new URL('./fixtures/cluster-driver.ts', import.meta.url));

async function runDriver(
  behaviour: string,
  options: { sigtermAfterStarts?: number } = {},
): Promise<{ code: number | null; output: string; elapsedMs: number }> {
  const child = spawn(process.execPath, [DRIVER, behaviour], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = Date.now();
  let signalled = false;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const starts = output.match(/worker started/g)?.length ?? 0;
    if (!signalled && options.sigtermAfterStarts !== undefined && starts >= options.sigtermAfterStarts) {
      signalled = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await sleep(50);
  return { code, output, elapsedMs: Date.now() - started };
}

t.test('restartDelay: doubles per crash in the window, capped, and gives up past the limit', async (t) => {
  const policy = { maxRestarts: 3, windowMs: 10_000, initialBackoffMs: 100, maxBackoffMs: 250 };
  t.equal(restartDelay([1_000], 1_000, policy), 100);
  t.equal(restartDelay([1_000, 2_000], 2_000, policy), 200);
  t.equal(restartDelay([1_000, 2_000, 3_000], 3_000, policy), 250, 'capped');
  t.equal(restartDelay([1_000, 2_000, 3_000, 4_000], 4_000, policy), undefined, 'a fourth crash in 10 s is a loop');
  t.equal(restartDelay([1_000, 2_000, 3_000, 20_000], 20_000, policy), 100, 'old crashes leave the window');
  t.equal(restartDelay([0], 0, DEFAULT_RESTART_POLICY), 500);
});

t.test('SIGTERM drains every worker and exits 0 when all stopped cleanly', async (t) => {
  const { code, output } = await runDriver('clean', { sigtermAfterStarts: 2 });
  t.equal(code, 0);
  t.equal(output.match(/worker draining/g)?.length, 2, 'both workers were told to drain');
  t.match(output, /"reason":"SIGTERM","workers":2,"msg":"draining: telling every worker to drain"/);
  t.match(output, /"exitCode":0,"msg":"all workers stopped: exiting"/);
});

t.test('a worker that fails its drain makes the primary exit 1', async (t) => {
  const { code, output } = await runDriver('fails', { sigtermAfterStarts: 2 });
  t.equal(code, 1);
  t.match(output, /"code":1,"signal":null,"msg":"worker did not stop cleanly"/);
});

t.test('a worker that does not stop in time is killed and the primary exits 1', async (t) => {
  const { code, output, elapsedMs } = await runDriver('stuck', { sigtermAfterStarts: 2 });
  t.equal(code, 1);
  // drain window 100 + deadline 300 + grace 200 ms
  t.match(
    output,
    /"reason":"deadline","limitMs":600,.*"msg":"workers still running past the drain window and deadline: killing them"/,
  );
  // Not 30 s or never: the limit is 600 ms, the rest is starting node processes on a busy machine.
  t.ok(elapsedMs < 30_000, `gave up after ${elapsedMs} ms`);
});

t.test('crashing workers are restarted with a backoff, then a crash loop stops the primary with 1', async (t) => {
  const { code, output } = await runDriver('crash');
  t.equal(code, 1);
  // Two workers crash at once, then each restart crashes: three restarts, the fourth crash is the loop.
  t.same(
    [...output.matchAll(/"restartInMs":(\d+)/g)].map((match) => Number(match[1])),
    [20, 40, 50],
  );
  t.match(output, /"reason":"crash loop","maxRestarts":3,"windowMs":60000/);
  t.match(output, /"reason":"crash loop","workers":\d,"msg":"draining/);
});

t.test('a worker configuration error stops the primary with 78 and no restart', async (t) => {
  const { code, output } = await runDriver('config-error');
  t.equal(code, 78);
  t.notMatch(output, /restartInMs/);
  t.match(output, /"code":78,"msg":"worker stopped on a configuration error: stopping"/);
});

t.test('a worker replacing one on a started instance is told so (its serving gate opens at once)', async (t) => {
  // Two workers open their gates and crash; their two replacements start with the gate open.
  const { code, output } = await runDriver('started-crash', { sigtermAfterStarts: 4 });
  t.equal(code, 0);
  t.equal(output.match(/"startedBefore":false/g)?.length, 2);
  t.equal(output.match(/"startedBefore":true/g)?.length, 2);
});

t.test('a worker gone before the primary notices its closed channel does not crash the drain', async (t) => {
  // The first worker exits 78; the fixture kills the second just before the primary tells it to drain.
  const { code, output } = await runDriver('config-error-peer-gone');
  t.equal(code, 78, output);
  t.match(output, /"code":78,"msg":"worker stopped on a configuration error: stopping"/);
  t.match(output, /"err":"write EPIPE","errCode":"EPIPE","msg":"worker process error"/, 'the race did happen');
  t.match(output, /"signal":"SIGKILL","msg":"worker did not stop cleanly"/);
});
