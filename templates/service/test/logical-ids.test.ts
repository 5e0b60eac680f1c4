// Logical IDs of a deployed service stack must not change: CloudFormation treats a changed logical
// ID as a new resource and deletes the old one, which for this stack means a new Auto Scaling
// group (every instance replaced), a new target group (the old one's targets gone), a new launch
// template (a new rollout), a listener rule or SSM parameter colliding with itself on its priority
// or name, or a new KMS key. The stack moved its resources into constructs without changing them
// (service-stack.ts, KEPT_LOGICAL_IDS); this list keeps any later refactor from changing them
// silently. Changing one on purpose needs a migration (`cdk refactor`), not an edit of this list.
// https://docs.aws.amazon.com/cdk/v2/guide/refactor.html
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { synthesizeService } from '../v1/infrastructure/synthesize.ts';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR, type CloudFormationTemplate } from './helpers/synthesized-service.ts';

/** Every resource of the prod example (the spec that uses every optional feature), by logical ID. */
const DEPLOYED_LOGICAL_IDS: Readonly<Record<string, string>> = {
  InstanceRoleA57500A0: 'AWS::IAM::Role',
  InstanceRoleDefaultPolicy1064ADAC: 'AWS::IAM::Policy',
  MigrationRunnerRole2F9497CA: 'AWS::IAM::Role',
  MigrationRunnerRoleDefaultPolicy9365AA07: 'AWS::IAM::Policy',
  MigrationRunnerInstanceProfile68CCE91D: 'AWS::IAM::InstanceProfile',
  ApiLogs3D05D88B: 'AWS::Logs::LogGroup',
  CloudWatchAgentConfigF6F50B7E: 'AWS::SSM::Parameter',
  LaunchTemplateProfile94AA77CE: 'AWS::IAM::InstanceProfile',
  LaunchTemplate04EC5460: 'AWS::EC2::LaunchTemplate',
  NotificationKey6F64DE1A: 'AWS::KMS::Key',
  LifecycleNotificationsF4233E16: 'AWS::SNS::Topic',
  LifecycleNotificationsPolicy45AFA843: 'AWS::SNS::TopicPolicy',
  LifecycleNotificationsplatformoncalltaskboardexamplecom2DEB8162: 'AWS::SNS::Subscription',
  Targets7ED976EF: 'AWS::ElasticLoadBalancingV2::TargetGroup',
  ListenerRule73F9AC5E: 'AWS::ElasticLoadBalancingV2::ListenerRule',
  UnhealthyTargetsAlarm3F77BCD9: 'AWS::CloudWatch::Alarm',
  Target5xxAlarmB9F2DA7F: 'AWS::CloudWatch::Alarm',
  InstancesASGBDDE502C: 'AWS::AutoScaling::AutoScalingGroup',
  InstancesScalingPolicyCpuTarget1F94B482: 'AWS::AutoScaling::ScalingPolicy',
  InstancesCpuStepsLowerPolicy27EFC3E3: 'AWS::AutoScaling::ScalingPolicy',
  InstancesCpuStepsLowerAlarm54D0688E: 'AWS::CloudWatch::Alarm',
  InstancesCpuStepsUpperPolicy8A60DAEB: 'AWS::AutoScaling::ScalingPolicy',
  InstancesCpuStepsUpperAlarmD7582ADF: 'AWS::CloudWatch::Alarm',
  InstancesScheduledActionweekdaymorningCE259D16: 'AWS::AutoScaling::ScheduledAction',
  InstancesScheduledActionweekdayevening50869C35: 'AWS::AutoScaling::ScheduledAction',
  RequestCountTargetA84737BA: 'AWS::AutoScaling::ScalingPolicy',
  // Issue 16 (schema 1.1): SLO alarms (with slo_alarms_enabled) and the dashboard.
  SloAlarmsAvailabilityFastLongFCBF50F8: 'AWS::CloudWatch::Alarm',
  SloAlarmsAvailabilityFastShortD85F677D: 'AWS::CloudWatch::Alarm',
  SloAlarmsAvailabilityFastBurn3835D72F: 'AWS::CloudWatch::CompositeAlarm',
  SloAlarmsAvailabilitySlowLong0193CE52: 'AWS::CloudWatch::Alarm',
  SloAlarmsAvailabilitySlowShort53F3C117: 'AWS::CloudWatch::Alarm',
  SloAlarmsAvailabilitySlowBurn313F7C81: 'AWS::CloudWatch::CompositeAlarm',
  SloAlarmsLatencyFastLong5283B466: 'AWS::CloudWatch::Alarm',
  SloAlarmsLatencyFastShortD2A8A5DF: 'AWS::CloudWatch::Alarm',
  SloAlarmsLatencyFastBurnA8C103B9: 'AWS::CloudWatch::CompositeAlarm',
  SloAlarmsLatencySlowLong14DCE33E: 'AWS::CloudWatch::Alarm',
  SloAlarmsLatencySlowShortD3C0022F: 'AWS::CloudWatch::Alarm',
  SloAlarmsLatencySlowBurnFC5191A9: 'AWS::CloudWatch::CompositeAlarm',
  Dashboard9E4231ED: 'AWS::CloudWatch::Dashboard',
  // The log group the agent writes the api's EMF documents to (METRICS_EMF_LOG_GROUP).
  ApiLogsMetricsE2F3B046: 'AWS::Logs::LogGroup',
};

function synthesize(spec: 'dev' | 'prod', awaitingMigrations: boolean): CloudFormationTemplate {
  const [instance] = synthesizeService({
    specPath: join(PACKAGE_DIR, 'specs', `${spec}.yaml`),
    environmentOutputsPath: EXAMPLE_OUTPUTS,
    region: 'eu-west-1',
    outdir: mkdtempSync(join(tmpdir(), 'taskboard-logical-ids-')),
    awaitingMigrations,
  });
  return JSON.parse(readFileSync(instance!.templateFile, 'utf8')) as CloudFormationTemplate;
}

function typesById(template: CloudFormationTemplate): Record<string, string> {
  return Object.fromEntries(Object.entries(template.Resources).map(([id, resource]) => [id, resource.Type]));
}

t.test('the prod example has exactly the deployed logical IDs', async (t) => {
  t.same(typesById(synthesize('prod', false)), DEPLOYED_LOGICAL_IDS);
});

t.test('the dev example and both first-deploy steps use the same IDs', async (t) => {
  // The first deploy creates the stack with an empty group, the second fills it: the same group.
  for (const { spec, awaitingMigrations } of [
    { spec: 'dev', awaitingMigrations: false },
    { spec: 'dev', awaitingMigrations: true },
    { spec: 'prod', awaitingMigrations: true },
  ] as const) {
    const types = typesById(synthesize(spec, awaitingMigrations));
    const name = `${spec}${awaitingMigrations ? ' awaiting migrations' : ''}`;
    for (const [id, type] of Object.entries(types)) {
      t.equal(DEPLOYED_LOGICAL_IDS[id], type, `${name}: ${id}`);
    }
    for (const id of ['InstancesASGBDDE502C', 'LaunchTemplate04EC5460', 'Targets7ED976EF', 'ListenerRule73F9AC5E']) {
      t.ok(types[id], `${name} has ${id}`);
    }
  }
});

t.test('the launch template keeps its Name tag, so moving it made no new version', async (t) => {
  // ec2.LaunchTemplate tags itself, its instances and volumes with its construct path; the construct
  // that holds it now keeps the path the stack's own child had (api-launch-template.ts).
  const template = synthesize('prod', false).Resources['LaunchTemplate04EC5460']!.Properties as {
    LaunchTemplateData: { TagSpecifications: { ResourceType: string; Tags: { Key: string; Value: string }[] }[] };
    TagSpecifications: { Tags: { Key: string; Value: string }[] }[];
  };
  const specifications = [...template.LaunchTemplateData.TagSpecifications, ...template.TagSpecifications];
  t.equal(specifications.length, 3, 'instance, volume and the launch template itself');
  for (const specification of specifications) {
    t.same(
      specification.Tags.find((tag) => tag.Key === 'Name'),
      { Key: 'Name', Value: 'taskboard-api-prod/LaunchTemplate' },
    );
  }
});
