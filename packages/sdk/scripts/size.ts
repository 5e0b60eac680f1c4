/**
 * Prints the runtime's size as shipped to a browser: the package entry (runtime + generated
 * operation table) bundled and minified with esbuild, then gzipped. Types cost nothing at runtime.
 *
 *   npm run size -w @taskboard/sdk            # prints e.g. "runtime: 3812 B min+gzip (limit 5120 B)"
 *
 * Exits non-zero above the 5 kB budget from the issue, so CI can run it as a check.
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const LIMIT = 5 * 1024;

export async function measure(): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped } = await measure();
  console.log(`runtime: ${gzipped} B min+gzip (${minified} B minified; limit ${LIMIT} B)`);
  if (gzipped > LIMIT) {
    console.error(`@taskboard/sdk runtime is over budget by ${gzipped - LIMIT} B`);
    process.exitCode = 1;
  }
}
