/**
 * Type-level tests: the mistakes the SDK's types must catch, and the usages they must allow, live
 * in test/fixtures/type-checks.ts. This compiles that file with the `@ts-expect-error` directives
 * turned off and checks that the errors are exactly the marked ones: each marked line fails with
 * its stated TS code, and nothing else fails. (A bare `@ts-expect-error` would also be satisfied by
 * an unrelated error on the line, e.g. a typo in the fixture.)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/type-checks.ts');
const DIRECTIVE = /\/\/ @ts-expect-error (TS\d+) (.*)$/;

function compilerOptions(): ts.CompilerOptions {
  const file = join(root, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, (path) => ts.sys.readFile(path));
  return ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file).options;
}

/** Errors per 1-based line of `source` compiled in place of the fixture. */
function diagnostics(source: string): Map<number, string[]> {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (path) => (resolve(path) === fixture ? source : readFile(path));
  const program = ts.createProgram([fixture], options, host);
  const byLine = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const file = d.file ? resolve(d.file.fileName) : '(global)';
    const line = file === fixture && where ? where.line + 1 : -1;
    const text = `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    byLine.set(line, [...(byLine.get(line) ?? []), file === fixture ? text : `${file}: ${text}`]);
  }
  return byLine;
}

const lines = readFileSync(fixture, 'utf8').split('\n');
const expected = new Map<number, { code: string; why: string }>();
lines.forEach((line, i) => {
  const m = DIRECTIVE.exec(line);
  if (m?.[1] && m[2]) expected.set(i + 2, { code: m[1], why: m[2] });
});

t.test('the fixture marks enough mistakes to be meaningful', (t) => {
  t.ok(expected.size >= 15, `${expected.size} expected errors`);
  t.end();
});

t.test('each marked line fails with its stated error; nothing else fails', (t) => {
  const disabled = lines.map((line) => line.replace('// @ts-expect-error', '// (expect-error)')).join('\n');
  const actual = diagnostics(disabled);
  for (const [line, { code, why }] of expected) {
    const errors = actual.get(line) ?? [];
    t.ok(
      errors.some((e) => e.startsWith(`${code} `)),
      `line ${line} (${why}) fails with ${code}: ${lines[line - 1]?.trim()}`,
      { errors },
    );
  }
  const unexpected = [...actual].filter(([line]) => !expected.has(line));
  t.same(unexpected, [], 'valid usages compile');
  t.end();
});

t.test('with the directives on, the fixture compiles clean', (t) => {
  t.same([...diagnostics(lines.join('\n'))], []);
  t.end();
});
