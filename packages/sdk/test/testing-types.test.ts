/**
 * The mock handlers' types catch a consumer's mistakes at compile time. test/fixtures/testing-consumer.ts
 * holds valid mocks (must compile) and wrong ones, each under `// @ts-expect-error`:
 *  1. tsc on the fixture as written reports nothing, so the valid usage compiles and every
 *     expected error happens (an unused `@ts-expect-error` is itself an error);
 *  2. with the directives removed, tsc reports an error on exactly each line they covered, so no
 *     expectation is satisfied by an unrelated error elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '..');
const tsc = resolve(root, '../../node_modules/.bin/tsc');
const fixture = join(root, 'test/fixtures/testing-consumer.ts');
const DIRECTIVE = '// @ts-expect-error';

/** Type-checks `file` as a strict consumer would (DOM lib, no Node types); returns tsc's diagnostics. */
function typecheck(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-testing-types-'));
  try {
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [],
      allowImportingTsExtensions: true,
      skipLibCheck: true,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }));
    execFileSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const source = readFileSync(fixture, 'utf8');
const lines = source.split('\n');
const expected = lines.flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 2] : []));

t.test('valid mocks compile and every @ts-expect-error is a real error', (t) => {
  t.ok(expected.length >= 10, `the fixture has its expectations (${expected.length})`);
  t.equal(typecheck(fixture), '', 'tsc reports nothing');
  t.end();
});

t.test('without the directives, each covered line (and only those) fails to compile', (t) => {
  // Next to the original so its relative imports resolve; removed afterwards.
  const dir = mkdtempSync(join(root, 'test/fixtures/.tmp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stripped = join(dir, 'consumer.ts');
  const body = lines.map((l) => (l.trim().startsWith(DIRECTIVE) ? '// (expectation removed)' : l)).join('\n');
  writeFileSync(stripped, body.replaceAll("'../../src/", "'../../../src/"));
  const output = typecheck(stripped);
  const failing = [...new Set([...output.matchAll(/consumer\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])))];
  t.same(failing, expected, failing.join() === expected.join() ? 'errors on exactly the covered lines' : output);
  t.end();
});
