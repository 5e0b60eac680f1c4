// The database secrets and the first deploy, on the synthesized template (CDK assertions + cdk-nag).
// Verified only at this boundary: that EC2 honours the runner's instance profile and that the group
// starts empty is checked only by a real `cdk deploy` and rollout (docs/first-deploy.md).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import t from 'tap';
import { buildServiceApp } from '../v1/infrastructure/app.ts';
import { AWAITING_MIGRATIONS_TAG, MIGRATION_RUNNER_PROFILE_TAG } from '../v1/infrastructure/migration-runner.ts';
import { loadServiceInstances, type ServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import { ServiceStack } from '../v1/infrastructure/service-stack.ts';
import { MIGRATE_ENV_FILE } from '../v1/infrastructure/user-data.ts';
import { EXAMPLE_OUTPUTS, exampleOutputs, PACKAGE_DIR } from './helpers/synthesized-service.ts';

const [prodInstance] = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'prod.yaml'), EXAMPLE_OUTPUTS);
const outputs = exampleOutputs('prod');

interface Synthesized {
  readonly stack: ServiceStack;
  readonly template: Template;
  readonly resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

function synth(changes: Partial<ServiceInputs> = {}, awaitingMigrations = false): Synthesized {
  const { stack } = buildServiceApp({
    instance: { ...prodInstance!, inputs: { ...prodInstance!.inputs, ...changes } },
    region: 'eu-west-1',
    outdir: mkdtempSync(join(tmpdir(), 'taskboard-runner-')),
    awaitingMigrations,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources };
}

const normal = synth();
const awaiting = synth({}, true);

function statementsOfRole(s: Synthesized, roleId: string): unknown[] {
  return Object.values(s.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties!.Roles).includes(roleId))
    .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: unknown[] }).Statement);
}

function userData(s: Synthesized): string {
  const [template] = Object.values(s.resources).filter((r) => r.Type === 'AWS::EC2::LaunchTemplate');
  const data = template!.Properties!.LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
  };
  return data.UserData['Fn::Base64']['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '')).join('');
}

t.test('the spec reads the api secret and the master secret from their own environment outputs', async (t) => {
  t.equal(prodInstance!.inputs.database_secret_arn, outputs.DatabaseAppSecretArn);
  t.equal(prodInstance!.inputs.database_migrator_secret_arn, outputs.DatabaseSecretArn);
  t.not(outputs.DatabaseAppSecretArn, outputs.DatabaseSecretArn);
});

t.test('the instances read only the api secret; only the runner role reads the master secret', async (t) => {
  const instanceRole = normal.stack.getLogicalId(normal.stack.instanceRole.role.node.defaultChild as never);
  const runnerRole = normal.stack.getLogicalId(normal.stack.migrationRunner!.role.node.defaultChild as never);
  t.same(statementsOfRole(normal, instanceRole), [
    {
      Sid: 'ReadDatabaseSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: outputs.DatabaseAppSecretArn,
    },
  ]);
  t.notMatch(
    JSON.stringify(normal.resources[instanceRole]),
    outputs.DatabaseSecretArn!,
    'nothing on the instance role names the master secret',
  );
  t.same(statementsOfRole(normal, runnerRole), [
    {
      Sid: 'ReadDatabaseSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: [outputs.DatabaseAppSecretArn, outputs.DatabaseSecretArn],
    },
  ]);
  normal.template.hasResourceProperties('AWS::IAM::Role', {
    Description: 'Taskboard migration runner (one short-lived instance per rollout)',
    AssumeRolePolicyDocument: Match.objectLike({
      Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' })],
    }),
    ManagedPolicyArns: [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
    ],
  });
  // The launch template carries the instance role's profile; the runner's is another one, passed in
  // RunInstances (which overrides the template's: API_RunInstances.html, LaunchTemplate).
  const profiles = Object.entries(normal.resources).filter(([, r]) => r.Type === 'AWS::IAM::InstanceProfile');
  t.equal(profiles.length, 2);
  const runnerProfile = profiles.find(([, r]) => JSON.stringify(r.Properties!.Roles).includes(runnerRole))![0];
  normal.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({
      IamInstanceProfile: { Arn: { 'Fn::GetAtt': [Match.not(runnerProfile), 'Arn'] } },
    }),
  });
  // The rollout finds the runner's profile on the group it already describes (not on the instances).
  normal.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    Tags: Match.arrayWith([
      { Key: MIGRATION_RUNNER_PROFILE_TAG, PropagateAtLaunch: false, Value: { 'Fn::GetAtt': [runnerProfile, 'Arn'] } },
    ]),
  });
  normal.template.hasOutput('MigrationRunnerInstanceProfileArn', { Value: { 'Fn::GetAtt': [runnerProfile, 'Arn'] } });
});

t.test('user data gives migrate.js the master secret id in its own file, before the api starts', async (t) => {
  const script = userData(normal);
  const migrateEnv = script.indexOf(
    `cat > ${MIGRATE_ENV_FILE} <<'TASKBOARD_ENV'\nDATABASE_MIGRATOR_SECRET_ID="${outputs.DatabaseSecretArn}"\nTASKBOARD_ENV\nchmod 0600 ${MIGRATE_ENV_FILE}`,
  );
  t.ok(migrateEnv > 0, 'migrate.env holds DATABASE_MIGRATOR_SECRET_ID, readable by root only');
  t.ok(migrateEnv < script.indexOf('systemctl enable --now'), 'written before the api starts (which may fail)');
  const apiEnv = script.slice(script.indexOf('/etc/taskboard/api.env <<'), script.indexOf(MIGRATE_ENV_FILE));
  t.match(apiEnv, `DATABASE_SECRET_ID="${outputs.DatabaseAppSecretArn}"`);
  t.notMatch(apiEnv, outputs.DatabaseSecretArn!, "the api's environment never names the master secret");
});

t.test(
  'awaiting migrations: the same stack with an empty group, and the next deploy changes only capacity',
  async (t) => {
    awaiting.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '0',
      DesiredCapacity: '0',
      Tags: Match.arrayWith([{ Key: AWAITING_MIGRATIONS_TAG, PropagateAtLaunch: false, Value: 'true' }]),
    });
    t.equal(
      Object.values(awaiting.resources).filter((r) => r.Type === 'AWS::AutoScaling::ScheduledAction').length,
      0,
      'no scheduled action can scale the empty group up',
    );
    t.ok(
      Object.values(normal.resources).some((r) => r.Type === 'AWS::AutoScaling::ScheduledAction'),
      'the prod spec has scheduled actions',
    );
    normal.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: String(prodInstance!.inputs.min_capacity),
      MaxSize: String(prodInstance!.inputs.max_capacity),
      Tags: Match.not(Match.arrayWith([Match.objectLike({ Key: AWAITING_MIGRATIONS_TAG })])),
    });
    // CloudFormation starts an instance refresh only "when properties that trigger an instance refresh
    // change (such as LaunchTemplate or MixedInstancesPolicy)"
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-autoscalinginstancerefresh):
    // the second deploy changes neither, so it is a plain capacity change the rollout waits out itself.
    const changed = Object.keys({ ...normal.resources, ...awaiting.resources })
      .filter((id) => JSON.stringify(normal.resources[id]) !== JSON.stringify(awaiting.resources[id]))
      .map((id) => (normal.resources[id] ?? awaiting.resources[id])!.Type);
    t.same([...new Set(changed)].sort(), ['AWS::AutoScaling::AutoScalingGroup', 'AWS::AutoScaling::ScheduledAction']);
    const report = new AwsSolutionsChecks().validateScope(awaiting.stack);
    t.same(report.violations, [], 'cdk-nag is satisfied with the empty group too');
  },
);

t.test('a spec without the migrator secret keeps the old path: no runner role, no migrate.env', async (t) => {
  const legacy = synth({ database_migrator_secret_arn: '' });
  t.equal(legacy.stack.migrationRunner, undefined);
  t.equal(Object.values(legacy.resources).filter((r) => r.Type === 'AWS::IAM::InstanceProfile').length, 1);
  t.notMatch(userData(legacy), MIGRATE_ENV_FILE);
  t.notMatch(JSON.stringify(legacy.resources), MIGRATION_RUNNER_PROFILE_TAG);
  t.same(new AwsSolutionsChecks().validateScope(legacy.stack).violations, []);
});

t.test('the master secret as the api secret, or a non-ARN, is refused', async (t) => {
  const build = (changes: Partial<ServiceInputs>) => () =>
    new ServiceStack(new App(), 'S', {
      instanceName: 's',
      inputs: { ...prodInstance!.inputs, ...changes },
      env: { region: 'eu-west-1' },
    });
  t.throws(build({ database_secret_arn: outputs.DatabaseSecretArn! }), {
    message: /the migrator secret must not be the api's secret/,
  });
  t.throws(build({ database_migrator_secret_arn: 'master' }), {
    message: 'MigrationRunnerRole: migratorSecretArn must be a Secrets Manager ARN, got "master"',
  });
});
