/**
 * Last step of `prepack`: refuses to pack (so `npm pack` and `npm publish` exit non-zero) unless every
 * file that package.json's `exports` and `types` point at was built. npm itself packs whatever
 * `files` matches and says nothing when dist is missing or half-built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  types?: string;
  exports?: Record<string, string | Record<string, string>>;
}

/** The files package.json promises, relative to the package root. */
export function promisedFiles(manifest: Manifest): string[] {
  const targets = Object.values(manifest.exports ?? {}).flatMap((t) =>
    typeof t === 'string' ? [t] : Object.values(t),
  );
  return [...new Set([...(manifest.types ? [manifest.types] : []), ...targets])];
}

export function missingFiles(packageRoot: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Manifest;
  return promisedFiles(manifest).filter((file) => !existsSync(join(packageRoot, file)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // npm runs lifecycle scripts in the package's folder.
  const missing = missingFiles(process.cwd());
  if (missing.length > 0) {
    console.error(`refusing to pack ${process.cwd()}: the build did not produce ${missing.join(', ')}`);
    process.exitCode = 1;
  }
}
