import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

// The same check as `npm run lint:openapi`, so CI fails when openapi.json gains an OWASP error.
t.test('openapi.json passes Spectral with the OWASP ruleset (.spectral.yaml) without errors', async (t) => {
  const cli = createRequire(import.meta.url).resolve('@stoplight/spectral-cli/dist/index.js');
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const run = await promisify(execFile)(
    process.execPath,
    [cli, 'lint', 'openapi.json', '--ruleset', '.spectral.yaml', '--fail-severity', 'error', '--format', 'json'],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? '', failed: error.code }));
  const findings = JSON.parse(run.stdout || '[]') as { code: string; severity: number }[];
  const errors = findings.filter((finding) => finding.severity === 0);
  const byRule = new Map<string, number>();
  for (const finding of findings) byRule.set(finding.code, (byRule.get(finding.code) ?? 0) + 1);
  t.comment(
    `spectral: ${findings.length} findings, ${errors.length} errors; ${JSON.stringify(Object.fromEntries(byRule))}`,
  );
  t.same(errors, [], 'no errors');
  t.notOk('failed' in run, 'spectral exited 0');
});
