/**
 * Start-up to ready, CPU used until ready and idle RSS of several ways to run the api, started in
 * alternating rounds against one bench stack (so a drift in the machine's load hits each alike):
 *
 *   flock /tmp/bench.lock node tools/bench/src/startup-compare.ts artifact=packages/api/dist/artifact/server.js \
 *     dist=packages/api/dist/server.js 'cached=packages/api/dist/artifact/server.js NODE_COMPILE_CACHE=/tmp/cc'
 *
 * Each argument is `name=path/to/entry.js [VAR=value ...]` (paths from the repository root; the entry
 * runs from its own folder, as the systemd unit's WorkingDirectory). Every variant gets the bench's
 * api environment and the unit's NODE_OPTIONS. BENCH_STARTUP_ROUNDS (3) sets the rounds.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@taskboard/local-stack';
import { apiEnvironment } from './api-environment.ts';
import { productionNodeOptions } from './production-flags.ts';
import { parseVariant } from './startup-variants.ts';
import { startServerProcess } from './server-process.ts';
import { startStack } from './stack.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IDLE_SETTLE_MS = 2_000;

async function main(): Promise<void> {
  const variants = process.argv.slice(2).map(parseVariant);
  if (variants.length === 0) throw new Error('usage: startup-compare.ts name=entry.js [VAR=value ...] ...');
  const rounds = Number(process.env.BENCH_STARTUP_ROUNDS ?? 3);
  const nodeOptions = await productionNodeOptions();
  const logs = await mkdtemp(join(tmpdir(), 'taskboard-startup-'));
  const stack = await startStack();
  const rows: string[] = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const variant of variants) {
        const entry = resolve(ROOT, variant.entry);
        const port = await freePort();
        const server = await startServerProcess({
          name: variant.name,
          command: process.execPath,
          args: [basename(entry)],
          cwd: dirname(entry),
          env: {
            ...apiEnvironment(stack, port, { nodeOptions }),
            METRICS_EXPORTER: 'none',
            OTEL_TRACES_EXPORTER: 'none',
            ...variant.env,
          },
          readyUrl: `http://127.0.0.1:${port}/health/ready`,
          logPath: join(logs, `${variant.name}.log`),
        });
        const cpuAtReady = await server.cpuMs();
        await new Promise((done) => setTimeout(done, IDLE_SETTLE_MS));
        const idle = await server.rss();
        await server.stop();
        rows.push(
          `round ${round}  ${variant.name.padEnd(16)} ready ${server.startupMs.toFixed(0).padStart(5)} ms  CPU to ready ${cpuAtReady.toFixed(0).padStart(5)} ms  idle RSS ${(idle / 1048576).toFixed(1)} MB`,
        );
        console.log(rows.at(-1));
      }
    }
  } finally {
    await stack.stop();
  }
  console.log(`logs in ${logs}`);
}

main().catch((error: unknown) => {
  console.error('startup-compare failed:', error);
  process.exitCode = 1;
});
