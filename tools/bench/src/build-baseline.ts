/**
 * Compiles the baseline server to plain JavaScript before it is started: the api runs from
 * its tsc build, so the baseline must not pay for Node's TypeScript stripping either (it
 * loads a WebAssembly transformer: about a second of start-up and tens of MB of RSS).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const BASELINE_JS = fileURLToPath(new URL('../dist/baseline-server.js', import.meta.url));

export async function buildBaseline(): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL('./baseline-server.ts', import.meta.url))],
    outfile: BASELINE_JS,
    bundle: true,
    // fastify and pg stay imports, resolved from node_modules like the api's.
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'silent',
  });
  return BASELINE_JS;
}
