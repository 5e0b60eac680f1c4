// The launch template version has one owner: this template. A new AMI in the spec changes only the
// launch template (so CloudFormation makes a new version and the UpdatePolicy refreshes instances);
// re-deploying an unchanged spec changes nothing, so it can never undo a rollout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { buildServiceApp } from '../v1/infrastructure/app.ts';
import { loadServiceInstances } from '../v1/infrastructure/service-inputs.ts';
import { ServiceStack } from '../v1/infrastructure/service-stack.ts';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR } from './helpers/synthesized-service.ts';

const [instance] = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'dev.yaml'), EXAMPLE_OUTPUTS);

function templateFor(amiId: string): Record<string, { Type: string; Properties?: unknown; UpdatePolicy?: unknown }> {
  const { stack } = buildServiceApp({
    instance: { ...instance!, inputs: { ...instance!.inputs, ami_id: amiId } },
    region: 'eu-west-1',
    outdir: mkdtempSync(join(tmpdir(), 'taskboard-rollout-')),
  });
  return Template.fromStack(stack).toJSON().Resources;
}

t.test('a new AMI id changes only the launch template; the same spec changes nothing', async (t) => {
  const before = templateFor('ami-0123456789abcdef0');
  const same = templateFor('ami-0123456789abcdef0');
  const after = templateFor('ami-0aaaaaaaaaaaaaaaa');
  t.same(same, before, 'synthesis is deterministic');
  const changed = Object.keys(before).filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]));
  t.same(
    changed.map((id) => before[id]!.Type),
    ['AWS::EC2::LaunchTemplate'],
  );
});

t.test('inconsistent capacity and refresh settings are rejected with the field named', async (t) => {
  const build = (changes: Record<string, unknown>) => () =>
    new ServiceStack(new App(), 'S', {
      instanceName: 's',
      inputs: { ...instance!.inputs, ...changes },
      env: { region: 'eu-west-1' },
    });
  t.throws(build({ min_capacity: 5, max_capacity: 2 }), {
    message: 'spec.min_capacity (5) must not exceed spec.max_capacity (2)',
  });
  t.throws(build({ desired_capacity: 9 }), {
    message: 'spec.desired_capacity (9) must be between min_capacity and max_capacity',
  });
  t.throws(build({ step_scaling_steps: [{ lower: 80, change: 1 }] }), { message: /at least two intervals/ });
  t.throws(build({ instance_refresh_checkpoints: [50, 40] }), { message: /strictly ascending and end with 100/ });
  t.throws(build({ instance_refresh_min_healthy_percentage: 0, instance_refresh_max_healthy_percentage: 150 }), {
    message: /at most 100/,
  });
  t.throws(build({ availability_zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] }), {
    message: /one subnet per entry/,
  });
  t.throws(build({ database_secret_arn: 'my-secret' }), { message: /must be a Secrets Manager ARN/ });
});
