// The `synth` command: a bad spec stops it with a line naming each wrong field and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR } from './helpers/synthesized-service.ts';

function synth(...args: string[]): { status: number | null; stderr: string } {
  const env = { ...process.env };
  delete env.CDK_DEFAULT_REGION;
  delete env.AWS_REGION;
  delete env.TASKBOARD_ENVIRONMENT_OUTPUTS;
  const result = spawnSync(process.execPath, ['scripts/synth.ts', ...args], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    env,
  });
  return { status: result.status, stderr: result.stderr };
}

t.test('synth rejects a spec with a wrong instance type, naming the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-'));
  const spec = join(dir, 'bad.yaml');
  writeFileSync(
    spec,
    [
      'proton: ServiceSpec',
      'instances:',
      '  - name: api-dev',
      '    environment: dev',
      '    spec:',
      '      ami_id: ami-0123456789abcdef0',
      '      instance_type: m5.huge',
      "      vpc_id: '{{ environment.outputs.VpcId }}'",
      '',
    ].join('\n'),
  );
  const { status, stderr } = synth(
    '--spec',
    spec,
    '--region',
    'eu-west-1',
    '--environment-outputs',
    EXAMPLE_OUTPUTS,
    '--outdir',
    dir,
  );
  t.equal(status, 1);
  t.match(stderr, 'spec.instance_type: must be one of "t4g.small"');
  t.match(stderr, 'spec.private_subnet_ids: is required');
});

t.test('synth needs a region and the environment outputs', async (t) => {
  const { status, stderr } = synth('--spec', 'specs/dev.yaml');
  t.equal(status, 2);
  t.match(stderr, '--environment-outputs');
});
