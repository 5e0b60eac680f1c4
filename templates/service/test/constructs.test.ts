// The service stack's constructs on their own, built with nothing but their required props: the
// template shows each documented @default, and each constructor refuses what it must.
// CDK assertions on the synthesized template only.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import t from 'tap';
import { ApiLaunchTemplate } from '../v1/infrastructure/api-launch-template.ts';
import { ApiLogs } from '../v1/infrastructure/api-logs.ts';
import { LifecycleNotifications } from '../v1/infrastructure/lifecycle-notifications.ts';
import { RollbackAlarms } from '../v1/infrastructure/rollback-alarms.ts';
import { ServiceFleet } from '../v1/infrastructure/service-fleet.ts';
import { ServiceScaling } from '../v1/infrastructure/service-scaling.ts';
import { ServiceTargetGroup } from '../v1/infrastructure/service-target-group.ts';
import { EXAMPLE_API_CONFIGURATION } from './helpers/api-configuration.ts';

const API = EXAMPLE_API_CONFIGURATION;

function bareStack(): { stack: Stack; vpc: ec2.IVpc } {
  const stack = new Stack(new App(), 'Bare', { env: { region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-01', 'subnet-02'],
  });
  return { stack, vpc };
}

t.test('every construct with its defaults', async (t) => {
  const { stack, vpc } = bareStack();
  new ApiLogs(stack, 'Logs', { logGroupName: '/taskboard/x/api', agentConfigParameterName: 'AmazonCloudWatch-x' });
  const launchTemplate = new ApiLaunchTemplate(stack, 'LaunchTemplate', {
    amiId: 'ami-0123456789abcdef0',
    role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123', { mutable: false }),
    api: API,
  }).launchTemplate;
  const notifications = new LifecycleNotifications(stack, 'Notifications');
  const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
    listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/0123/4567',
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0456', { mutable: false }),
  });
  const targets = new ServiceTargetGroup(stack, 'Targets', { vpc, port: 3000, listener });
  const alarms = new RollbackAlarms(stack, 'Alarms', {
    loadBalancerFullName: 'app/alb/0123',
    targetGroup: targets.targetGroup,
  });
  const fleet = new ServiceFleet(stack, 'Fleet', {
    vpc,
    launchTemplate,
    notificationTopic: notifications.topic,
    targetGroup: targets.targetGroup,
    instanceRefresh: { alarms: alarms.alarms, bakeTime: alarms.bakeTime },
  });
  new ServiceScaling(stack, 'Scaling', {
    autoScalingGroup: fleet.autoScalingGroup,
    targetGroup: targets.targetGroup,
    listenerRule: targets.listenerRule,
    loadBalancerFullName: 'app/alb/0123',
  });
  const template = Template.fromStack(stack);

  template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/taskboard/x/api', RetentionInDays: 90 });
  template.hasResourceProperties('AWS::Logs::LogGroup', {
    LogGroupName: '/taskboard/x/api-metrics',
    RetentionInDays: 90,
  });
  template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({
      InstanceType: 't4g.small',
      BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 20 }) })],
    }),
  });
  template.resourceCountIs('AWS::SNS::Subscription', 0);
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
    Priority: 100,
    Transforms: Match.absent(),
  });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    HealthCheckIntervalSeconds: 15,
    TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 10 });
  template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
    Properties: Match.objectLike({
      MinSize: '2',
      MaxSize: '4',
      DesiredCapacity: Match.absent(),
      HealthCheckGracePeriod: 120,
      DefaultInstanceWarmup: 120,
    }),
    UpdatePolicy: {
      AutoScalingInstanceRefresh: Match.objectLike({
        Preferences: Match.objectLike({
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: 150,
          InstanceWarmup: 120,
          CheckpointPercentages: Match.absent(),
          BakeTime: 300,
        }),
      }),
    },
  });
  template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    TargetTrackingConfiguration: Match.objectLike({ TargetValue: 50 }),
  });
  template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    TargetTrackingConfiguration: Match.objectLike({ TargetValue: 1000 }),
  });
  template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 2);
  template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
  t.pass('Template assertions throw on a mismatch');
});

t.test('checkpoints without a delay pause for the default 300 s', async (t) => {
  const { stack, vpc } = bareStack();
  const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', {
    instanceType: new ec2.InstanceType('t4g.small'),
    machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }),
  });
  const topic = new LifecycleNotifications(stack, 'Notifications', { email: 'ops@example.com' }).topic;
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Tg', {
    vpc,
    port: 3000,
    protocol: elbv2.ApplicationProtocol.HTTP,
  });
  new ServiceFleet(stack, 'Fleet', {
    vpc,
    launchTemplate,
    notificationTopic: topic,
    targetGroup,
    instanceRefresh: { checkpointPercentages: [50, 100], alarms: [], bakeTime: Duration.seconds(300) },
  });
  const template = Template.fromStack(stack);
  template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
    UpdatePolicy: {
      AutoScalingInstanceRefresh: Match.objectLike({
        Preferences: Match.objectLike({ CheckpointPercentages: [50, 100], CheckpointDelay: 300 }),
      }),
    },
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  t.pass('Template assertions throw on a mismatch');
});

t.test('constructors refuse what AWS or the instances would', async (t) => {
  const { stack } = bareStack();
  t.throws(() => new ApiLogs(stack, 'Logs', { logGroupName: '/x', agentConfigParameterName: 'taskboard-agent' }), {
    message:
      'ApiLogs: agentConfigParameterName must start with "AmazonCloudWatch-" (the only parameters the agent\'s policy may read), got "taskboard-agent"',
  });
  t.throws(
    () =>
      new ApiLaunchTemplate(stack, 'LaunchTemplate', {
        amiId: 'ami-0123456789abcdef0',
        rootVolumeSizeGib: 4,
        role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123', { mutable: false }),
        api: API,
      }),
    { message: 'ApiLaunchTemplate: rootVolumeSizeGib must be an integer of at least 8, got 4' },
  );
});
