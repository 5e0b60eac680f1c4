// Real AWS is verified only at this boundary: these tests assert the exact EC2, Auto Scaling and
// SSM requests the rollout sends (aws-sdk-client-mock); that AWS accepts them is checked by running
// the tool against an account (docs/rollout.md).
import { readFileSync } from 'node:fs';
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
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import t from 'tap';
import { deploy } from '../src/commands.ts';
import { MIGRATE_SCRIPT } from '../src/migrations.ts';
import { createHarness, GROUP, NEW_IMAGE, OLD_IMAGE, TEMPLATE_ID, type Harness } from './helpers/harness.ts';
import { givenRefreshes, givenRollout, givenServiceGroup, refresh } from './helpers/scenario.ts';

const OUTPUTS = '/tmp/environment-outputs.json';

function inputs(h: Harness['ec2'] | Harness['autoScaling'] | Harness['ssm'], command: unknown): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mock's call list is untyped across commands
  return h.commandCalls(command as any).map((call: { args: [{ input: unknown }] }) => call.args[0].input);
}

function givenMigrationsSucceed(h: Harness): void {
  h.ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0runner' }] });
  h.ssm
    .on(DescribeInstanceInformationCommand)
    .resolvesOnce({ InstanceInformationList: [] })
    .resolves({ InstanceInformationList: [{ InstanceId: 'i-0runner', PingStatus: 'Online' }] });
  h.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
  h.ssm
    .on(GetCommandInvocationCommand)
    .rejectsOnce(Object.assign(new Error('not yet'), { name: 'InvocationDoesNotExist' }))
    .resolvesOnce({ Status: 'InProgress' })
    .resolves({ Status: 'Success', StandardOutputContent: 'Applied: 20261126_add_labels\n' });
  h.ec2.on(TerminateInstancesCommand).resolves({});
}

function specOf(h: Harness): string {
  return readFileSync(join(h.templateDir, 'specs', 'dev.yaml'), 'utf8');
}

t.test(
  'success: migrate once on a runner, set ami_id, synth, cdk deploy, follow the refresh to Successful',
  async (t) => {
    const h = createHarness();
    givenServiceGroup(h);
    givenMigrationsSucceed(h);
    givenRefreshes(
      h,
      [refresh(h, { InstanceRefreshId: 'ir-old', Status: 'Successful', StartTime: new Date(0) })],
      [refresh(h, { InstanceRefreshId: 'ir-old', Status: 'Successful', StartTime: new Date(0) })],
      [refresh(h, { Status: 'Pending', PercentageComplete: 0, InstancesToUpdate: 2 })],
      [refresh(h, { Status: 'InProgress', PercentageComplete: 50, InstancesToUpdate: 1 })],
      [refresh(h, { Status: 'Successful', PercentageComplete: 100, InstancesToUpdate: 0 })],
    );

    const code = await deploy(h.context, { environment: 'dev', ami: 'latest', environmentOutputs: OUTPUTS });

    t.equal(code, 0);
    t.same(inputs(h.autoScaling, DescribeAutoScalingGroupsCommand), [
      { Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: ['taskboard-api-dev'] }] },
    ]);
    t.same(inputs(h.ec2, DescribeLaunchTemplateVersionsCommand), [{ LaunchTemplateId: TEMPLATE_ID, Versions: ['7'] }]);
    t.same(inputs(h.ssm, GetParameterCommand), [{ Name: '/taskboard/images/api/latest' }]);
    t.same(inputs(h.ec2, DescribeImagesCommand), [{ ImageIds: [NEW_IMAGE] }]);
    t.same(inputs(h.ec2, RunInstancesCommand), [
      {
        LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: '7' },
        ImageId: NEW_IMAGE,
        MinCount: 1,
        MaxCount: 1,
        SubnetId: 'subnet-0aaa',
        InstanceInitiatedShutdownBehavior: 'terminate',
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: 'Name', Value: 'taskboard-api-dev-migrate' },
              { Key: 'taskboard:purpose', Value: 'migration' },
              { Key: 'taskboard:image', Value: NEW_IMAGE },
            ],
          },
        ],
      },
    ]);
    t.same(inputs(h.ssm, DescribeInstanceInformationCommand), [
      { Filters: [{ Key: 'InstanceIds', Values: ['i-0runner'] }] },
      { Filters: [{ Key: 'InstanceIds', Values: ['i-0runner'] }] },
    ]);
    t.same(inputs(h.ssm, SendCommandCommand), [
      {
        InstanceIds: ['i-0runner'],
        DocumentName: 'AWS-RunShellScript',
        Comment: `taskboard migrations for ${NEW_IMAGE}`,
        Parameters: { commands: MIGRATE_SCRIPT, executionTimeout: ['900'] },
        TimeoutSeconds: 600,
      },
    ]);
    t.equal(inputs(h.ssm, GetCommandInvocationCommand).length, 3);
    t.same(inputs(h.ec2, TerminateInstancesCommand), [{ InstanceIds: ['i-0runner'] }]);
    // The service template owns the launch template version (docs/decisions/0007).
    t.equal(h.ec2.commandCalls(CreateLaunchTemplateVersionCommand).length, 0);
    t.equal(h.autoScaling.commandCalls(StartInstanceRefreshCommand).length, 0);
    t.same(inputs(h.autoScaling, DescribeInstanceRefreshesCommand).slice(0, 3), [
      { AutoScalingGroupName: GROUP, MaxRecords: 1 }, // the refresh before this rollout
      { AutoScalingGroupName: GROUP, MaxRecords: 5 }, // ir-old only: CloudFormation has not started yet
      { AutoScalingGroupName: GROUP, MaxRecords: 5 }, // ir-1111 appears
    ]);
    t.same(inputs(h.autoScaling, DescribeInstanceRefreshesCommand).at(-1), {
      AutoScalingGroupName: GROUP,
      InstanceRefreshIds: ['ir-1111'],
    });

    t.match(specOf(h), `ami_id: ${NEW_IMAGE}`);
    t.notMatch(specOf(h), OLD_IMAGE);
    t.same(
      h.runner.runs.map((run) => run.args),
      [
        ['scripts/synth.ts', '--spec', 'specs/dev.yaml', '--region', 'eu-west-1', '--environment-outputs', OUTPUTS],
        ['deploy', '--app', 'cdk.out/taskboard-api-dev', '--require-approval', 'never', '--progress', 'events'],
      ],
    );
    t.same(
      h.lines.filter((line) => line.startsWith('[')),
      [
        '[Pending] | 0% | 2 instance(s) left',
        '[InProgress] | 50% | 1 instance(s) left',
        '[Successful] | 100% | 0 instance(s) left',
      ],
    );
    t.match(h.lines.join('\n'), 'migrations: Applied: 20261126_add_labels');
  },
);

t.test('checkpoint pause: the paused state is shown and the rollout goes on to Successful', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  const reason = 'Waiting for checkpoint to complete. Checkpoint delay is 600 seconds.';
  givenRollout(
    h,
    [refresh(h, { Status: 'InProgress', PercentageComplete: 50, InstancesToUpdate: 1, StatusReason: reason })],
    [refresh(h, { Status: 'InProgress', PercentageComplete: 50, InstancesToUpdate: 1, StatusReason: reason })],
    [refresh(h, { Status: 'Successful', PercentageComplete: 100, InstancesToUpdate: 0 })],
  );
  const code = await deploy(h.context, {
    environment: 'dev',
    ami: NEW_IMAGE,
    environmentOutputs: OUTPUTS,
    skipMigrations: true,
  });
  t.equal(code, 0);
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0, '--skip-migrations starts no runner');
  t.equal(h.ssm.commandCalls(GetParameterCommand).length, 0, 'an explicit id needs no parameter');
  const progress = h.lines.filter((line) => line.startsWith('['));
  t.same(
    progress,
    [`[InProgress] | 50% | 1 instance(s) left | ${reason}`, '[Successful] | 100% | 0 instance(s) left'],
    'an unchanged line is printed once',
  );
  t.same(h.clock.sleeps, [15_000, 15_000], 'polls at the configured interval');
});

t.test('failure with rollback: exits non-zero naming the alarm, and the spec names the old image again', async (t) => {
  const h = createHarness({ config: { migrations: false } });
  givenServiceGroup(h);
  const before = specOf(h);
  givenRollout(
    h,
    [refresh(h, { Status: 'InProgress', PercentageComplete: 50 })],
    [refresh(h, { Status: 'RollbackInProgress', PercentageComplete: 50, StatusReason: 'Rolling back' })],
    [
      refresh(h, {
        Status: 'RollbackSuccessful',
        PercentageComplete: 100,
        StatusReason: 'Rollback completed',
        RollbackDetails: { RollbackReason: 'Alarm Target5xxAlarm is in ALARM state' },
      }),
    ],
  );
  h.runner.deployCode = 1; // CloudFormation then rolls the stack back and cdk deploy fails
  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 1);
  t.ok(
    h.lines.includes(
      'rollout failed: instance refresh ir-1111 ended RollbackSuccessful: Rollback completed; rollback: Alarm Target5xxAlarm is in ALARM state',
    ),
  );
  t.equal(specOf(h), before, 'a later cdk deploy of the working copy does not re-apply the failed image');
  t.match(h.lines.at(-1), `restored ami_id in ${join(h.templateDir, 'specs', 'dev.yaml')}`);
});

t.test('Failed and Cancelled end the rollout with exit 1 and the status reason', async (t) => {
  for (const { status, reason } of [
    { status: 'Failed', reason: 'Instances failed to pass ELB health checks' },
    { status: 'Cancelled', reason: 'Cancelled by user' },
  ] as const) {
    const h = createHarness({ config: { migrations: false } });
    givenServiceGroup(h);
    givenRollout(h, [refresh(h, { Status: status, PercentageComplete: 0, StatusReason: reason })]);
    const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
    t.equal(code, 1, status);
    t.ok(h.lines.includes(`rollout failed: instance refresh ir-1111 ended ${status}: ${reason}`), status);
  }
});

t.test('throttling: Describe calls back off and retry, then the rollout goes on', async (t) => {
  const h = createHarness({ config: { migrations: false } });
  givenServiceGroup(h);
  h.ec2
    .on(DescribeImagesCommand)
    .rejectsOnce(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }))
    .resolves({ Images: [{ ImageId: NEW_IMAGE, State: 'available' }] });
  h.autoScaling
    .on(DescribeInstanceRefreshesCommand)
    .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
    .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
    .resolvesOnce({ InstanceRefreshes: [] })
    .resolves({ InstanceRefreshes: [refresh(h, { Status: 'Successful', PercentageComplete: 100 })] });
  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 0);
  t.equal(h.ec2.commandCalls(DescribeImagesCommand).length, 2);
  t.equal(h.autoScaling.commandCalls(DescribeInstanceRefreshesCommand).length, 4);
  t.same(h.clock.sleeps, [1000, 1000, 2000], 'exponential back-off per request');
  t.match(h.lines.join('\n'), 'autoscaling:DescribeInstanceRefreshes throttled; retrying in 2000 ms');
});

t.test('timeout: exits 1 naming the refresh still in progress', async (t) => {
  const h = createHarness({ config: { migrations: false, timeoutMinutes: 1 } });
  givenServiceGroup(h);
  givenRollout(h, [refresh(h, { Status: 'InProgress', PercentageComplete: 50, InstancesToUpdate: 1 })]);
  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 1);
  t.ok(h.lines.includes('rollout failed: timed out after 1 min; instance refresh ir-1111 is still InProgress'));
  t.equal(h.clock.sleeps.length, 4, '60 s at 15 s per poll');
});

t.test('a stack update that starts no refresh (cdk deploy failed early) ends the follow', async (t) => {
  const h = createHarness({ config: { migrations: false } });
  givenServiceGroup(h);
  givenRollout(h, []);
  h.runner.deployCode = 1;
  const before = specOf(h);
  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 1);
  t.ok(h.lines.includes('rollout failed: no instance refresh started'));
  t.equal(specOf(h), before, 'spec restored');
});

t.test(
  'failed migrations stop the rollout before the spec or the stack change, and the runner is terminated',
  async (t) => {
    const h = createHarness();
    givenServiceGroup(h);
    h.ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0runner' }] });
    h.ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ PingStatus: 'Online' }] });
    h.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    h.ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Failed', StandardErrorContent: 'P3018 migration failed\n' });
    h.ec2.on(TerminateInstancesCommand).resolves({});
    const before = specOf(h);
    await t.rejects(deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
      message: 'migrations Failed: P3018 migration failed',
    });
    t.same(inputs(h.ec2, TerminateInstancesCommand), [{ InstanceIds: ['i-0runner'] }]);
    t.equal(specOf(h), before);
    t.same(h.runner.runs, []);
  },
);

t.test('a runner that never registers with SSM fails the migration step', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  h.ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0runner' }] });
  h.ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
  h.ec2.on(TerminateInstancesCommand).resolves({});
  await t.rejects(deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: 'migration runner i-0runner never registered with SSM',
  });
  t.equal(h.ec2.commandCalls(TerminateInstancesCommand).length, 1);
});

t.test('--dry-run sends only reads and prints every write request, the spec edit and the commands', async (t) => {
  const h = createHarness({ dryRun: true });
  givenServiceGroup(h);
  const before = specOf(h);
  const code = await deploy(h.context, { environment: 'dev', ami: 'latest', environmentOutputs: OUTPUTS });
  t.equal(code, 0);
  t.equal(specOf(h), before);
  t.same(h.runner.runs, []);
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0);
  t.equal(h.ssm.commandCalls(SendCommandCommand).length, 0);
  const printed = h.lines.filter((line) => line.startsWith('[dry-run]'));
  t.equal(printed.length, 7);
  t.equal(
    printed[0],
    `[dry-run] would call ec2:RunInstances {"LaunchTemplate":{"LaunchTemplateId":"${TEMPLATE_ID}","Version":"7"},"ImageId":"${NEW_IMAGE}","MinCount":1,"MaxCount":1,"SubnetId":"subnet-0aaa","InstanceInitiatedShutdownBehavior":"terminate","TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"Name","Value":"taskboard-api-dev-migrate"},{"Key":"taskboard:purpose","Value":"migration"},{"Key":"taskboard:image","Value":"${NEW_IMAGE}"}]}]}`,
  );
  t.match(
    printed[1],
    /^\[dry-run\] would call ssm:SendCommand \{"InstanceIds":\["<runner-instance-id>"\],"DocumentName":"AWS-RunShellScript"/,
  );
  t.equal(printed[2], '[dry-run] would call ec2:TerminateInstances {"InstanceIds":["<runner-instance-id>"]}');
  t.match(printed[3], `[dry-run] would set ami_id: ${NEW_IMAGE} for taskboard-api-dev in`);
  t.match(printed[4], /^\[dry-run\] would run \(cd .* && .*node scripts\/synth.ts --spec specs\/dev.yaml/);
  t.match(printed[5], '&& cdk deploy --app cdk.out/taskboard-api-dev --require-approval never');
  t.equal(
    printed[6],
    `[dry-run] would follow the instance refresh of ${GROUP} (autoscaling:DescribeInstanceRefreshes)`,
  );
});

t.test('the image already in service: nothing to roll out', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  h.ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: OLD_IMAGE, State: 'available' }] });
  const code = await deploy(h.context, { environment: 'dev', ami: OLD_IMAGE, environmentOutputs: OUTPUTS });
  t.equal(code, 0);
  t.same(h.runner.runs, []);
  t.ok(h.lines.includes(`taskboard-api-dev: already running ${OLD_IMAGE}; nothing to roll out`));
});

t.test('refuses groups on $Latest, unavailable images and unknown environments', async (t) => {
  const latest = createHarness();
  givenServiceGroup(latest, '$Latest');
  await t.rejects(deploy(latest.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: /uses launch template version \$Latest; an explicit version number is required/,
  });
  const pending = createHarness();
  givenServiceGroup(pending);
  pending.ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: NEW_IMAGE, State: 'pending' }] });
  await t.rejects(deploy(pending.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: `image ${NEW_IMAGE} is pending, not available`,
  });
  // A missing group is a first deploy now (test/first-deploy.test.ts), no longer an error.
  const missing = createHarness();
  missing.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  await t.rejects(deploy(missing.context, { environment: 'qa', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: 'unknown environment "qa"; configured: dev',
  });
  const bad = createHarness();
  givenServiceGroup(bad);
  await t.rejects(deploy(bad.context, { environment: 'dev', ami: 'ami-XYZ', environmentOutputs: OUTPUTS }), {
    message: 'not an AMI id: ami-XYZ',
  });
  t.equal(bad.autoScaling.commandCalls(CancelInstanceRefreshCommand).length, 0);
});

t.test('a spec that fails to synthesize is put back as it was', async (t) => {
  const h = createHarness({ config: { migrations: false } });
  givenServiceGroup(h);
  const before = specOf(h);
  h.runner.synthCode = 1;
  await t.rejects(deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), {
    message: 'synth failed (exit 1)',
  });
  t.equal(specOf(h), before);
});
