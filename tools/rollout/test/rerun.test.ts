// Re-runs and half-finished states: a deploy whose image already serves, a record (the spec's ami_id)
// that disagrees with AWS, a refresh in progress or a mix of images, and `rollback` / `status` in the
// same situations. Real AWS is verified only at this boundary: the exact Auto Scaling and EC2 requests
// are asserted with aws-sdk-client-mock, on real spec files (temporary copies).
// Auto Scaling reports each instance's launch template version (DescribeAutoScalingGroups Instances[]:
// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html), and an instance
// refresh with skip matching replaces only instances whose version differs from the desired one
// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html):
// a deploy that leaves the launch template unchanged therefore starts no refresh.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import t, { type Test } from 'tap';
import { deploy, rollback, status } from '../src/commands.ts';
import { createHarness, GROUP, NEW_IMAGE, OLD_IMAGE, TEMPLATE_ID, type Harness } from './helpers/harness.ts';
import { givenRefreshes, refresh } from './helpers/scenario.ts';

const OUTPUTS = '/tmp/environment-outputs.json';
const IMAGE_OF_VERSION: Record<string, string> = { '7': OLD_IMAGE, '8': NEW_IMAGE };

/**
 * The group on launch template `version`, with in-service instances on the given versions (plus one
 * terminating instance on version 6, which never counts), and both images available.
 */
function givenGroup(h: Harness, version: string, instanceVersions: string[]): void {
  h.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: GROUP,
        LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: version },
        VPCZoneIdentifier: 'subnet-0aaa,subnet-0bbb',
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: instanceVersions.length,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
        HealthCheckType: 'ELB',
        CreatedTime: new Date(0),
        Instances: [
          ...instanceVersions.map((v, index) => ({
            InstanceId: `i-0${index}`,
            LifecycleState: 'InService' as const,
            HealthStatus: 'Healthy',
            AvailabilityZone: 'eu-west-1a',
            ProtectedFromScaleIn: false,
            LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: v },
          })),
          {
            InstanceId: 'i-0old',
            LifecycleState: 'Terminating' as const,
            HealthStatus: 'Healthy',
            AvailabilityZone: 'eu-west-1b',
            ProtectedFromScaleIn: false,
            LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: '6' },
          },
        ],
      },
    ],
  });
  h.ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { Versions: string[] }) => ({
    LaunchTemplateVersions: input.Versions.map((v) => ({
      VersionNumber: Number(v),
      LaunchTemplateData: { ImageId: IMAGE_OF_VERSION[v] },
    })),
  }));
  h.ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds: string[] }) => ({
    Images: input.ImageIds.map((id) => ({ ImageId: id, State: 'available' })),
  }));
}

function inputs(stub: Harness['ec2'] | Harness['autoScaling'], command: unknown): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mock's call list is untyped across commands
  return stub.commandCalls(command as any).map((call: { args: [{ input: unknown }] }) => call.args[0].input);
}

const specPath = (h: Harness): string => join(h.templateDir, 'specs', 'dev.yaml');
const specOf = (h: Harness): string => readFileSync(specPath(h), 'utf8');
/** The dev spec copy, recording `image` (the copies start with OLD_IMAGE). */
function givenSpecRecords(h: Harness, image: string): void {
  writeFileSync(specPath(h), specOf(h).replace(OLD_IMAGE, image));
}

function assertNothingRolledOut(t: Test, h: Harness): void {
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0, 'no migration runner');
  t.equal(h.ssm.commandCalls(SendCommandCommand).length, 0);
  t.equal(h.ec2.commandCalls(CreateLaunchTemplateVersionCommand).length, 0);
  t.equal(h.autoScaling.commandCalls(StartInstanceRefreshCommand).length, 0);
}

t.test('re-run of a deploy whose image already serves, with the record lost: repairs the spec, exit 0', async (t) => {
  const h = createHarness();
  givenGroup(h, '8', ['8', '8']);
  givenRefreshes(h, [refresh(h, { InstanceRefreshId: 'ir-new', Status: 'Successful', StartTime: new Date(0) })]);
  t.match(specOf(h), `ami_id: ${OLD_IMAGE}`, 'the spec still records the image before the lost commit');

  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });

  t.equal(code, 0);
  t.match(specOf(h), `ami_id: ${NEW_IMAGE}`, 'the spec records the image in service');
  t.notMatch(specOf(h), OLD_IMAGE);
  assertNothingRolledOut(t, h);
  t.same(inputs(h.ec2, DescribeLaunchTemplateVersionsCommand), [{ LaunchTemplateId: TEMPLATE_ID, Versions: ['8'] }]);
  t.same(inputs(h.ec2, DescribeImagesCommand), [{ ImageIds: [NEW_IMAGE] }]);
  t.same(inputs(h.autoScaling, DescribeInstanceRefreshesCommand), [
    { AutoScalingGroupName: GROUP, MaxRecords: 1 }, // nothing in progress
    { AutoScalingGroupName: GROUP, MaxRecords: 1 }, // and cdk deploy started nothing
  ]);
  t.same(
    h.runner.runs.map((run) => run.args),
    [
      ['scripts/synth.ts', '--spec', 'specs/dev.yaml', '--region', 'eu-west-1', '--environment-outputs', OUTPUTS],
      ['deploy', '--app', 'cdk.out/taskboard-api-dev', '--require-approval', 'never', '--progress', 'events'],
    ],
    'the stack is deployed (a no-op for CloudFormation) so the record and the stack are checked to agree',
  );
  t.equal(
    h.lines.at(-1),
    `taskboard-api-dev: repaired the record: ami_id ${NEW_IMAGE} in ${specPath(h)} (was ${OLD_IMAGE})`,
  );
  t.notOk(h.lines.some((line) => line.includes('rollout failed')));
});

t.test('spec and group agree: a no-op success that sends no write and runs nothing', async (t) => {
  const h = createHarness();
  givenGroup(h, '8', ['8', '8']);
  givenSpecRecords(h, NEW_IMAGE);
  givenRefreshes(h, [refresh(h, { Status: 'Successful' })]);
  const before = specOf(h);
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.equal(specOf(h), before);
  t.same(h.runner.runs, []);
  assertNothingRolledOut(t, h);
  t.equal(h.lines.at(-1), `taskboard-api-dev: already running ${NEW_IMAGE}; nothing to roll out`);
});

t.test('a refresh in progress (a deploy still running): refuses before migrations or the spec change', async (t) => {
  for (const status of ['InProgress', 'Cancelling', 'RollbackInProgress'] as const) {
    const h = createHarness();
    givenGroup(h, '8', ['8', '7']);
    givenRefreshes(h, [refresh(h, { Status: status, PercentageComplete: 50, InstancesToUpdate: 1 })]);
    const before = specOf(h);
    await t.rejects(
      deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }),
      {
        message:
          `instance refresh ir-1111 of ${GROUP} is ${status} ([${status}] | 50% | 1 instance(s) left); ` +
          'wait for it (`status --env dev`) or cancel it (`rollback --env dev`), then deploy again',
      },
      status,
    );
    t.equal(specOf(h), before);
    t.same(h.runner.runs, []);
    assertNothingRolledOut(t, h);
  }
});

t.test('a mix of images with no refresh in progress: deploying the launch template image refuses', async (t) => {
  // A refresh that was cancelled (or failed) part-way: the group launches version 8, one instance is
  // still on 7. CloudFormation already has version 8, so a deploy of its image starts no refresh.
  const h = createHarness();
  givenGroup(h, '8', ['8', '7']);
  givenRefreshes(h, [refresh(h, { Status: 'Cancelled' })]);
  const before = specOf(h);
  await t.rejects(deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: new RegExp(
      `^${GROUP} launches ${NEW_IMAGE} \\(launch template version 8\\) but in service: 1 on ${NEW_IMAGE}, 1 on ${OLD_IMAGE}, ` +
        'with no instance refresh in progress',
    ),
  });
  t.same(inputs(h.ec2, DescribeLaunchTemplateVersionsCommand), [
    { LaunchTemplateId: TEMPLATE_ID, Versions: ['8'] },
    { LaunchTemplateId: TEMPLATE_ID, Versions: ['7'] }, // the other instance's version, once
  ]);
  t.equal(specOf(h), before);
  t.same(h.runner.runs, []);
  assertNothingRolledOut(t, h);
});

t.test('a mix, deploying another image: the rollout goes ahead (its refresh replaces every instance)', async (t) => {
  const h = createHarness({ config: { migrations: false } });
  givenGroup(h, '7', ['7', '8']);
  givenRefreshes(
    h,
    [refresh(h, { InstanceRefreshId: 'ir-old', Status: 'Cancelled', StartTime: new Date(0) })],
    [refresh(h, { Status: 'Successful', PercentageComplete: 100 })],
  );
  givenSpecRecords(h, OLD_IMAGE);
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.match(specOf(h), `ami_id: ${NEW_IMAGE}`);
  t.same(inputs(h.ec2, DescribeLaunchTemplateVersionsCommand), [{ LaunchTemplateId: TEMPLATE_ID, Versions: ['7'] }]);
});

t.test('repair when the stack differed after all: the refresh CloudFormation starts is followed', async (t) => {
  const h = createHarness();
  givenGroup(h, '8', ['8']);
  givenRefreshes(
    h,
    [refresh(h, { InstanceRefreshId: 'ir-old', Status: 'Successful', StartTime: new Date(0) })],
    [refresh(h, { InstanceRefreshId: 'ir-drift', Status: 'InProgress', PercentageComplete: 0 })],
    [refresh(h, { InstanceRefreshId: 'ir-drift', Status: 'Successful', PercentageComplete: 100 })],
  );
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.same(inputs(h.autoScaling, DescribeInstanceRefreshesCommand).at(-1), {
    AutoScalingGroupName: GROUP,
    InstanceRefreshIds: ['ir-drift'],
  });
  t.ok(h.lines.includes('the stack differed from the spec: CloudFormation started instance refresh ir-drift'));

  const failed = createHarness();
  givenGroup(failed, '8', ['8']);
  givenRefreshes(
    failed,
    [],
    [refresh(failed, { InstanceRefreshId: 'ir-drift', Status: 'Failed', StatusReason: 'health checks' })],
  );
  t.equal(await deploy(failed.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.equal(failed.lines.at(-1), 'repair failed: instance refresh ir-drift ended Failed: health checks');
});

t.test('repair whose cdk deploy fails: exit 1, and the spec keeps the image in service', async (t) => {
  const h = createHarness();
  givenGroup(h, '8', ['8']);
  givenRefreshes(h, []);
  h.runner.deployCode = 1;
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.match(specOf(h), `ami_id: ${NEW_IMAGE}`);
  t.equal(
    h.lines.at(-1),
    `repair failed: cdk deploy exited 1; ${specPath(h)} records ${NEW_IMAGE}, the image in service`,
  );

  const synth = createHarness();
  givenGroup(synth, '8', ['8']);
  givenRefreshes(synth, []);
  synth.runner.synthCode = 2;
  await t.rejects(deploy(synth.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: 'synth failed (exit 2)',
  });
});

t.test('--dry-run of a repair prints the spec edit and the commands, and changes nothing', async (t) => {
  const h = createHarness({ dryRun: true });
  givenGroup(h, '8', ['8']);
  givenRefreshes(h, []);
  const before = specOf(h);
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.equal(specOf(h), before);
  t.same(h.runner.runs, []);
  const printed = h.lines.filter((line) => line.startsWith('[dry-run]'));
  t.equal(printed[0], `[dry-run] would set ami_id: ${NEW_IMAGE} for taskboard-api-dev in ${specPath(h)}`);
  t.match(printed[1], 'node scripts/synth.ts --spec specs/dev.yaml');
  t.match(printed[2], 'cdk deploy --app cdk.out/taskboard-api-dev');
  t.equal(printed.length, 3);
});

t.test('rollback --to an image already back in service, record lost: repaired, exit 0', async (t) => {
  const h = createHarness();
  givenGroup(h, '7', ['7', '7']);
  givenSpecRecords(h, NEW_IMAGE);
  givenRefreshes(h, [refresh(h, { InstanceRefreshId: 'ir-back', Status: 'Successful', StartTime: new Date(0) })]);
  const code = await rollback(h.context, { environment: 'dev', toImage: OLD_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 0);
  t.match(specOf(h), `ami_id: ${OLD_IMAGE}`);
  assertNothingRolledOut(t, h);
  t.equal(h.autoScaling.commandCalls(CancelInstanceRefreshCommand).length, 0);
  t.match(h.lines.at(-1), `repaired the record: ami_id ${OLD_IMAGE}`);
});

t.test('rollback while a cancel or rollback is already under way: follows it, cancels nothing', async (t) => {
  const h = createHarness();
  givenGroup(h, '7', ['7', '8']);
  givenRefreshes(
    h,
    [refresh(h, { Status: 'RollbackInProgress', PercentageComplete: 50, StatusReason: 'Alarm' })],
    [refresh(h, { Status: 'RollbackSuccessful', PercentageComplete: 100 })],
  );
  t.equal(await rollback(h.context, { environment: 'dev' }), 0);
  t.equal(h.autoScaling.commandCalls(CancelInstanceRefreshCommand).length, 0);
  t.same(inputs(h.autoScaling, DescribeInstanceRefreshesCommand).at(-1), {
    AutoScalingGroupName: GROUP,
    InstanceRefreshIds: ['ir-1111'],
  });
  t.equal(h.lines.at(-1), 'rolled back: instance refresh ir-1111 ended RollbackSuccessful');

  const failing = createHarness();
  givenGroup(failing, '7', ['7']);
  givenRefreshes(failing, [refresh(failing, { Status: 'Cancelling' })], [refresh(failing, { Status: 'Successful' })]);
  t.equal(await rollback(failing.context, { environment: 'dev' }), 1);
  t.equal(failing.lines.at(-1), 'rollback failed: instance refresh ir-1111 ended Successful');

  const dry = createHarness({ dryRun: true });
  givenGroup(dry, '7', ['7']);
  givenRefreshes(dry, [refresh(dry, { Status: 'Cancelling' })]);
  t.equal(await rollback(dry.context, { environment: 'dev' }), 0);
  t.equal(dry.autoScaling.commandCalls(CancelInstanceRefreshCommand).length, 0);
});

t.test('status shows the images in service and a record that disagrees with them', async (t) => {
  const h = createHarness();
  givenGroup(h, '8', ['8', '7']);
  givenRefreshes(h, [refresh(h, { Status: 'Cancelled', PercentageComplete: 50 })]);
  t.equal(await status(h.context, 'dev'), 0);
  t.same(h.lines, [
    `taskboard-api-dev: group ${GROUP}, launch template ${TEMPLATE_ID} version 8, image ${NEW_IMAGE}`,
    `in service: 1 on ${NEW_IMAGE}, 1 on ${OLD_IMAGE} (not all on ${NEW_IMAGE})`,
    `${specPath(h)} records ${OLD_IMAGE}, not ${NEW_IMAGE}: the record of a rollout was lost; ` +
      `\`deploy --env dev --ami ${NEW_IMAGE}\` repairs it`,
    'latest instance refresh ir-1111: [Cancelled] | 50%',
  ]);

  const unknown = createHarness();
  givenGroup(unknown, '7', ['7', '5']);
  givenRefreshes(unknown, []);
  await status(unknown.context, 'dev');
  t.equal(
    unknown.lines[1],
    `in service: 1 on ${OLD_IMAGE}, 1 on an unknown image (launch template version 5) (not all on ${OLD_IMAGE})`,
  );
});
