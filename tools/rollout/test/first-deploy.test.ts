// The first deploy into an empty account, and the migration runner's own instance profile, at the
// boundary this machine reaches: the exact Auto Scaling, EC2 and SSM requests (aws-sdk-client-mock)
// and the synth / cdk deploy invocations, in order. That AWS and CloudFormation behave as encoded
// (cited per test) is verified only by running against an account (docs/first-deploy.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup, type Instance } from '@aws-sdk/client-auto-scaling';
import {
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import t from 'tap';
import { deploy } from '../src/commands.ts';
import { needsFirstDeploy, SETTLE_MARGIN_MS } from '../src/first-deploy.ts';
import { MIGRATE_SCRIPT } from '../src/migrations.ts';
import { runCli, type CliDependencies } from '../src/run-cli.ts';
import { AWAITING_MIGRATIONS_TAG, MIGRATION_RUNNER_PROFILE_TAG, type ServiceGroup } from '../src/service-group.ts';
import { setAmiId } from '../src/spec-file.ts';
import { synthInvocation } from '../src/stack-deploy.ts';
import {
  createHarness,
  FakeClock,
  FakeRunner,
  GROUP,
  NEW_IMAGE,
  TEMPLATE_ID,
  type Harness,
} from './helpers/harness.ts';
import { givenRollout, givenServiceGroup } from './helpers/scenario.ts';

const OUTPUTS = '/tmp/environment-outputs.json';
const PROFILE = 'arn:aws:iam::123456789012:instance-profile/taskboard-api-dev-MigrationRunnerInstanceProfile-AbC';
const BY_STACK = { Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: ['taskboard-api-dev'] }] };
const BY_NAME = { AutoScalingGroupNames: [GROUP] };

function inputs(stub: Harness['ec2'] | Harness['autoScaling'] | Harness['ssm'], command: unknown): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mock's call list is untyped across commands
  return stub.commandCalls(command as any).map((call: { args: [{ input: unknown }] }) => call.args[0].input);
}

function specOf(h: Harness): string {
  return readFileSync(join(h.templateDir, 'specs', 'dev.yaml'), 'utf8');
}

/** The group as CloudFormation creates it from `synth --awaiting-migrations`. */
function awaitingGroup(fields: Partial<AutoScalingGroup> = {}): AutoScalingGroup {
  return {
    AutoScalingGroupName: GROUP,
    LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: '1' },
    VPCZoneIdentifier: 'subnet-0aaa,subnet-0bbb',
    MinSize: 0,
    MaxSize: 0,
    DesiredCapacity: 0,
    DefaultCooldown: 300,
    AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
    HealthCheckType: 'ELB',
    HealthCheckGracePeriod: 120,
    CreatedTime: new Date(0),
    Tags: [
      { Key: MIGRATION_RUNNER_PROFILE_TAG, Value: PROFILE, PropagateAtLaunch: false },
      { Key: AWAITING_MIGRATIONS_TAG, Value: 'true', PropagateAtLaunch: false },
    ],
    ...fields,
  };
}

function instance(
  id: string,
  health: 'Healthy' | 'Unhealthy',
  state: Instance['LifecycleState'] = 'InService',
): Instance {
  return {
    InstanceId: id,
    LifecycleState: state,
    HealthStatus: health,
    AvailabilityZone: 'eu-west-1a',
    ProtectedFromScaleIn: false,
  };
}

/** The group as the full deploy leaves it: capacity from the spec, no awaiting tag. */
function servingGroup(instances: Instance[]): AutoScalingGroup {
  return awaitingGroup({
    MinSize: 1,
    MaxSize: 2,
    DesiredCapacity: 2,
    Instances: instances,
    Tags: [{ Key: MIGRATION_RUNNER_PROFILE_TAG, Value: PROFILE, PropagateAtLaunch: false }],
  });
}

/** One timeline of everything the tool does, to prove the order. */
function recordTimeline(h: Harness): string[] {
  const events: string[] = [];
  const run = h.runner.run.bind(h.runner);
  h.runner.run = (command, args, cwd) => {
    events.push(
      args.includes('deploy')
        ? 'cdk deploy'
        : `synth${args.includes('--awaiting-migrations') ? ' --awaiting-migrations' : ''}`,
    );
    return run(command, args, cwd);
  };
  h.ec2.on(RunInstancesCommand).callsFake(() => {
    events.push('RunInstances');
    return { Instances: [{ InstanceId: 'i-0runner' }] };
  });
  h.ssm.on(SendCommandCommand).callsFake(() => {
    events.push('SendCommand migrate.js');
    return { Command: { CommandId: 'cmd-1' } };
  });
  h.ec2.on(TerminateInstancesCommand).callsFake(() => {
    events.push('TerminateInstances');
    return {};
  });
  return events;
}

function givenImageAndTemplate(h: Harness): void {
  h.ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: NEW_IMAGE, State: 'available' }] });
  h.ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
    LaunchTemplateVersions: [{ VersionNumber: 1, LaunchTemplateData: { ImageId: NEW_IMAGE } }],
  });
  h.ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [{ InstanceId: 'i-0runner', PingStatus: 'Online' }],
  });
}

function givenMigrations(h: Harness, status: 'Success' | 'Failed'): void {
  h.ssm.on(GetCommandInvocationCommand).resolves(
    status === 'Success'
      ? {
          Status: 'Success',
          StandardOutputContent: 'Created role taskboard_app for the api.\nApplied: 20261126000000_init\n',
        }
      : { Status: 'Failed', StandardErrorContent: 'migrate: permission denied for schema public' },
  );
}

t.test('empty account: an empty group, migrations with the runner profile, then capacity, then healthy', async (t) => {
  const h = createHarness();
  const events = recordTimeline(h);
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_STACK)
    .resolvesOnce({ AutoScalingGroups: [] }) // no stack yet
    .resolves({ AutoScalingGroups: [awaitingGroup()] }); // created by the first cdk deploy
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_NAME)
    .resolvesOnce({ AutoScalingGroups: [servingGroup([])] })
    .resolvesOnce({
      AutoScalingGroups: [servingGroup([instance('i-1', 'Healthy', 'Pending'), instance('i-2', 'Healthy', 'Pending')])],
    })
    .resolves({ AutoScalingGroups: [servingGroup([instance('i-1', 'Healthy'), instance('i-2', 'Healthy')])] });
  givenImageAndTemplate(h);
  givenMigrations(h, 'Success');

  const code = await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });

  t.equal(code, 0, h.lines.join('\n'));
  t.same(events, [
    'synth --awaiting-migrations',
    'cdk deploy',
    'RunInstances',
    'SendCommand migrate.js',
    'TerminateInstances',
    'synth',
    'cdk deploy',
  ]);
  t.same(
    h.runner.runs.map((run) => run.args),
    [
      [
        'scripts/synth.ts',
        '--spec',
        'specs/dev.yaml',
        '--region',
        'eu-west-1',
        '--environment-outputs',
        OUTPUTS,
        '--awaiting-migrations',
      ],
      ['deploy', '--app', 'cdk.out/taskboard-api-dev', '--require-approval', 'never', '--progress', 'events'],
      ['scripts/synth.ts', '--spec', 'specs/dev.yaml', '--region', 'eu-west-1', '--environment-outputs', OUTPUTS],
      ['deploy', '--app', 'cdk.out/taskboard-api-dev', '--require-approval', 'never', '--progress', 'events'],
    ],
  );
  // The runner comes from the new stack's launch template with its own profile, which overrides the
  // template's ("Any additional parameters that you specify for the new instance overwrite the
  // corresponding parameters included in the launch template",
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html).
  t.same(inputs(h.ec2, RunInstancesCommand), [
    {
      LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: '1' },
      IamInstanceProfile: { Arn: PROFILE },
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
  t.same((inputs(h.ssm, SendCommandCommand)[0] as { Parameters: unknown }).Parameters, {
    commands: MIGRATE_SCRIPT,
    executionTimeout: ['900'],
  });
  t.match(MIGRATE_SCRIPT.join('\n'), '. /etc/taskboard/migrate.env', 'the runner reads the migrator secret id');
  t.same(inputs(h.autoScaling, DescribeAutoScalingGroupsCommand).slice(0, 2), [BY_STACK, BY_STACK]);
  t.match(specOf(h), `ami_id: ${NEW_IMAGE}`);
  t.same(
    h.lines.filter((line) => line.startsWith('[instances]')),
    ['[instances] 0/2 InService and Healthy', '[instances] 2/2 InService and Healthy'],
  );
  // Healthy past the grace period (120 s) and the margin: Auto Scaling would have replaced an
  // instance the load balancer reported unhealthy by then (health-check-grace-period.html).
  const waited = h.clock.sleeps.slice(-((120_000 + SETTLE_MARGIN_MS) / 15_000));
  t.ok(waited.every((ms) => ms === 15_000));
  t.match(h.lines.at(-1), `taskboard-api-dev: ${NEW_IMAGE} deployed for the first time`);
});

t.test('failed migrations: the group stays empty, and the same command resumes without redeploying it', async (t) => {
  const h = createHarness();
  const events = recordTimeline(h);
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_STACK)
    .resolvesOnce({ AutoScalingGroups: [] })
    .resolves({ AutoScalingGroups: [awaitingGroup()] });
  givenImageAndTemplate(h);
  givenMigrations(h, 'Failed');

  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.same(events, [
    'synth --awaiting-migrations',
    'cdk deploy',
    'RunInstances',
    'SendCommand migrate.js',
    'TerminateInstances',
  ]);
  t.match(
    h.lines.join('\n'),
    /first deploy stopped: migrations Failed: migrate: permission denied.*run the same command again/,
  );
  t.match(specOf(h), `ami_id: ${NEW_IMAGE}`, 'the spec says what the (empty) stack runs');

  // The re-run: the group carries the awaiting tag, so deploy resumes at the migrations.
  const again = createHarness();
  writeFileSync(join(again.templateDir, 'specs', 'dev.yaml'), specOf(h));
  const resumed = recordTimeline(again);
  again.autoScaling.on(DescribeAutoScalingGroupsCommand, BY_STACK).resolves({ AutoScalingGroups: [awaitingGroup()] });
  again.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_NAME)
    .resolves({ AutoScalingGroups: [servingGroup([instance('i-1', 'Healthy'), instance('i-2', 'Healthy')])] });
  givenImageAndTemplate(again);
  givenMigrations(again, 'Success');
  t.equal(await deploy(again.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.same(resumed, ['RunInstances', 'SendCommand migrate.js', 'TerminateInstances', 'synth', 'cdk deploy']);
  t.match(again.lines[0], 'resuming the first deploy');
});

t.test('instances that never turn healthy fail the first deploy, naming their states', async (t) => {
  const h = createHarness({ config: { timeoutMinutes: 5 } });
  recordTimeline(h);
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_STACK)
    .resolvesOnce({ AutoScalingGroups: [] })
    .resolves({ AutoScalingGroups: [awaitingGroup()] });
  // Healthy for a while, then the load balancer's verdict reaches Auto Scaling: replaced.
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_NAME)
    .resolvesOnce({ AutoScalingGroups: [servingGroup([instance('i-1', 'Healthy'), instance('i-2', 'Healthy')])] })
    .resolvesOnce({ AutoScalingGroups: [servingGroup([instance('i-1', 'Healthy'), instance('i-2', 'Healthy')])] })
    .resolves({
      AutoScalingGroups: [servingGroup([instance('i-1', 'Unhealthy'), instance('i-3', 'Healthy', 'Pending')])],
    });
  givenImageAndTemplate(h);
  givenMigrations(h, 'Success');
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.match(
    h.lines.at(-1),
    `first deploy failed: ${GROUP} did not keep 2 healthy instance(s) within 5 min (i-1 InService/Unhealthy, i-3 Pending/Healthy)`,
  );
});

t.test('a stack with an empty group that fails to deploy puts the spec back and starts no runner', async (t) => {
  const h = createHarness();
  const before = specOf(h);
  h.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  givenImageAndTemplate(h);
  h.runner.deployCode = 1;
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.equal(specOf(h), before);
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0);
  t.match(h.lines.at(-1), 'the stack with an empty group did not deploy (exit 1); ami_id restored');

  // The capacity deploy failing after good migrations: CloudFormation keeps the empty group.
  const late = createHarness();
  writeFileSync(join(late.templateDir, 'specs', 'dev.yaml'), setAmiId(specOf(late), 'taskboard-api-dev', NEW_IMAGE));
  recordTimeline(late);
  late.autoScaling.on(DescribeAutoScalingGroupsCommand, BY_STACK).resolves({ AutoScalingGroups: [awaitingGroup()] });
  givenImageAndTemplate(late);
  givenMigrations(late, 'Success');
  late.runner.deployCode = 1;
  t.equal(await deploy(late.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 1);
  t.match(late.lines.at(-1), "deploying the spec's capacity exited 1; CloudFormation keeps the empty group");
});

t.test('--skip-migrations on a first deploy goes straight to capacity, and says what that needs', async (t) => {
  const h = createHarness();
  h.autoScaling
    .on(DescribeAutoScalingGroupsCommand, BY_STACK)
    .resolvesOnce({ AutoScalingGroups: [] })
    .resolves({ AutoScalingGroups: [awaitingGroup()] });
  h.autoScaling.on(DescribeAutoScalingGroupsCommand, BY_NAME).resolves({ AutoScalingGroups: [servingGroup([])] });
  givenImageAndTemplate(h);
  const code = await deploy(h.context, {
    environment: 'dev',
    ami: NEW_IMAGE,
    environmentOutputs: OUTPUTS,
    skipMigrations: true,
  });
  t.equal(code, 1, 'nothing ever turns healthy here');
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0);
  t.ok(h.lines.some((line) => line.startsWith('migrations skipped: the database must already be migrated')));
});

t.test('dry-run of a first deploy prints the plan and writes nothing', async (t) => {
  const h = createHarness({ dryRun: true });
  const before = specOf(h);
  h.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  givenImageAndTemplate(h);
  t.equal(await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS }), 0);
  t.equal(specOf(h), before);
  t.same(h.runner.runs, []);
  t.equal(h.ec2.commandCalls(RunInstancesCommand).length, 0);
  const plan = h.lines.filter((line) => line.startsWith('[dry-run]'));
  t.equal(plan.length, 7);
  t.match(plan[1], /would run .*synth\.ts .*--awaiting-migrations/);
  t.match(plan[3], 'would start the migration runner');
  t.match(plan[6], 'would wait until taskboard-api-dev');
});

t.test('a normal rollout starts the runner with the group’s runner profile', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  const groups = await h.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand(BY_STACK));
  const group = groups.AutoScalingGroups![0]!;
  h.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [{ ...group, Tags: [{ Key: MIGRATION_RUNNER_PROFILE_TAG, Value: PROFILE }] }],
  });
  recordTimeline(h);
  h.ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [{ InstanceId: 'i-0runner', PingStatus: 'Online' }],
  });
  givenMigrations(h, 'Success');
  givenRollout(h, []);
  h.runner.deployCode = 0;
  await deploy(h.context, { environment: 'dev', ami: NEW_IMAGE, environmentOutputs: OUTPUTS });
  t.same((inputs(h.ec2, RunInstancesCommand)[0] as { IamInstanceProfile: unknown }).IamInstanceProfile, {
    Arn: PROFILE,
  });
  t.notOk(h.lines.some((line) => line.includes('names no migration runner profile')));
});

t.test('migrate: pending migrations with the image in service, through the CLI', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  recordTimeline(h);
  h.ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [{ InstanceId: 'i-0runner', PingStatus: 'Online' }],
  });
  givenMigrations(h, 'Success');
  const configPath = join(h.templateDir, 'rollout.config.json');
  writeFileSync(configPath, JSON.stringify({ ...h.config, artifactDir: 'artifact', serviceTemplateDir: '.' }));
  const errors: string[] = [];
  const deps: CliDependencies = {
    defaultConfigPath: configPath,
    env: {},
    clock: new FakeClock(),
    runner: new FakeRunner(),
    log: (line) => h.lines.push(line),
    error: (line) => errors.push(line),
    createClients: () => h.clients,
  };
  t.equal(await runCli(['migrate', '--env', 'dev'], deps), 0, errors.join('\n'));
  const run = inputs(h.ec2, RunInstancesCommand)[0] as { ImageId: string; IamInstanceProfile?: unknown };
  t.equal(run.ImageId, 'ami-0123456789abcdef0', 'the image the group runs');
  t.equal(run.IamInstanceProfile, undefined, 'a group from before the runner profile: the instances’ role');
  t.ok(
    h.lines.includes(`migrations: ${GROUP} names no migration runner profile; the runner uses the instances' own role`),
  );
  t.ok(h.lines.includes('migrations: Created role taskboard_app for the api.\nApplied: 20261126000000_init'));
  t.equal(await runCli(['migrate'], deps), 2, '--env is required');
});

t.test('only a missing group or one awaiting migrations takes the first-deploy path', async (t) => {
  t.equal(needsFirstDeploy(undefined), true);
  const base = {
    name: GROUP,
    launchTemplateId: TEMPLATE_ID,
    launchTemplateVersion: '3',
    subnetIds: ['subnet-0aaa'],
    imageId: NEW_IMAGE,
  };
  t.equal(needsFirstDeploy({ ...base, awaitingMigrations: true } as ServiceGroup), true);
  t.equal(needsFirstDeploy({ ...base, awaitingMigrations: false } as ServiceGroup), false);
  const stack = {
    serviceTemplateDir: '/t',
    specFile: 'specs/dev.yaml',
    instance: 'i',
    region: 'eu-west-1',
    environmentOutputs: 'o.json',
    cdkCommand: ['cdk'],
  };
  t.notOk(synthInvocation(stack).args.includes('--awaiting-migrations'));
  t.equal(synthInvocation({ ...stack, awaitingMigrations: true }).args.at(-1), '--awaiting-migrations');
});
