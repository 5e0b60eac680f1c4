// The `synth` command: a bad spec stops it with a line naming each wrong field and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { PACKAGE_DIR } from './helpers/synthesized-environment.ts';

function synth(...args: string[]): { status: number | null; stderr: string } {
  const env = { ...process.env };
  delete env.CDK_DEFAULT_REGION;
  delete env.AWS_REGION;
  const result = spawnSync(process.execPath, ['scripts/synth.ts', ...args], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    env,
  });
  return { status: result.status, stderr: result.stderr };
}

t.test('synth rejects a spec with a wrong and a missing field, naming both', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-'));
  const spec = join(dir, 'bad.yaml');
  writeFileSync(spec, 'proton: EnvironmentSpec\nspec:\n  db_instance_class: db.huge\n');
  const { status, stderr } = synth('--spec', spec, '--region', 'eu-west-1', '--outdir', dir);
  t.equal(status, 1);
  t.match(stderr, 'spec.environment_name: is required');
  t.match(stderr, 'spec.db_instance_class: must be one of "t4g.micro"');
});

t.test('synth needs a region', async (t) => {
  const { status, stderr } = synth('--spec', 'specs/dev.yaml');
  t.equal(status, 2);
  t.match(stderr, '--region');
});
