// Assertions on the synthesized example specs: one subtest per requirement of the service template.
// Verified only at this boundary: CDK assertions and cdk-nag on the synthesized CloudFormation.
// No stack is deployed; that AWS accepts and runs it is checked only by a real `cdk deploy`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import t from 'tap';
import { exampleOutputs, resourcesOfType, synthesizeExample } from './helpers/synthesized-service.ts';

const dev = synthesizeExample('dev');
const prod = synthesizeExample('prod');
const devOutputs = exampleOutputs('dev');
const prodOutputs = exampleOutputs('prod');

function userDataOf(synthesized: typeof dev): string {
  const [, template] = resourcesOfType(synthesized.json, 'AWS::EC2::LaunchTemplate')[0]!;
  const data = template.LaunchTemplateData as { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } };
  return data.UserData['Fn::Base64']['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
    .join('');
}

t.test('every example spec synthesizes one assembly per service instance', async (t) => {
  t.equal(dev.stackName, 'taskboard-api-dev');
  t.equal(prod.stackName, 'taskboard-api-prod');
  for (const synthesized of [dev, prod]) t.ok(existsSync(synthesized.templateFile));
});

t.test('environment outputs referenced by the spec feed the service', async (t) => {
  prod.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    VPCZoneIdentifier: prodOutputs.PrivateAppSubnetIds!.split(','),
  });
  prod.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
    ListenerArn: prodOutputs.AlbListenerArn,
  });
  prod.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    VpcId: prodOutputs.VpcId,
    Port: Number(prodOutputs.ServicePort),
  });
  dev.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({ SecurityGroupIds: [devOutputs.InstanceSecurityGroupId] }),
  });
  t.match(userDataOf(dev), devOutputs.UserPoolIssuerUrl!);
});

t.test('the instance role reads only the one database secret', async (t) => {
  // The instance role's and the migration runner's (test/migration-runner.test.ts tells them apart).
  const policies = resourcesOfType(prod.json, 'AWS::IAM::Policy');
  t.equal(policies.length, 2);
  t.same((policies[0]![1].PolicyDocument as { Statement: unknown[] }).Statement, [
    {
      Sid: 'ReadDatabaseSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: prodOutputs.DatabaseAppSecretArn,
    },
  ]);
});

t.test('the instance role allows Session Manager and the CloudWatch agent, and only EC2 assumes it', async () => {
  prod.template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }],
    },
    ManagedPolicyArns: [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchAgentServerPolicy']] },
    ],
  });
  prod.template.hasResourceProperties('AWS::SSM::Parameter', { Name: 'AmazonCloudWatch-taskboard-api-prod' });
});

t.test('the launch template uses the spec AMI and instance type', async () => {
  prod.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({ ImageId: 'ami-0fedcba9876543210', InstanceType: 'm7g.large' }),
  });
  dev.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({ ImageId: 'ami-0123456789abcdef0', InstanceType: 't4g.small' }),
  });
});

t.test('the launch template requires IMDSv2 with a hop limit of 1', async () => {
  dev.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({
      MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
    }),
  });
});

t.test('the root volume is an encrypted gp3 volume', async () => {
  prod.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true },
        },
      ],
    }),
  });
});

t.test('user data writes /etc/taskboard/api.env and starts the api under systemd', async (t) => {
  const script = userDataOf(prod);
  t.match(script, "cat > /etc/taskboard/api.env <<'TASKBOARD_ENV'");
  t.match(script, `DATABASE_SECRET_ID="${prodOutputs.DatabaseAppSecretArn}"`);
  t.match(script, `AUTH_ISSUERS="${prodOutputs.UserPoolIssuerUrl}"`);
  t.match(script, `AUTH_CLIENT_IDS="${prodOutputs.UserPoolClientId}"`);
  t.match(script, 'PORT="3000"');
  t.match(script, 'AWS_REGION="{"Ref":"AWS::Region"}"');
  t.match(script, 'EnvironmentFile=/etc/taskboard/api.env');
  // 2 failed checks × 15 s + 5 s timeout (35 s) outlast the 30 s deregistration delay (test/health-checks.test.ts).
  t.match(script, 'DRAIN_WINDOW_MS="40000"', 'the api drains 5 s longer than the load balancer needs to stop routing');
  t.match(script, 'TimeoutStopSec=70', 'systemd waits for drain + shutdown deadline');
  t.match(script, 'DATABASE_SSL_CA_FILE="/etc/pki/rds/global-bundle.pem"');
  t.notMatch(userDataOf(dev), 'DATABASE_SSL_CA_FILE');
  t.ok(script.trimEnd().endsWith('systemctl enable --now taskboard-api'));
});

t.test('the Auto Scaling group runs in the private application subnets with the spec capacity', async () => {
  dev.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    MinSize: '1',
    MaxSize: '2',
    DesiredCapacity: Match.absent(),
    VPCZoneIdentifier: devOutputs.PrivateAppSubnetIds!.split(','),
  });
  prod.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '2', MaxSize: '8' });
});

// Auto Scaling replaces an instance the load balancer reports unhealthy once the grace period is over:
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
t.test('the Auto Scaling group uses ELB health checks with a grace period and a default instance warmup', async () => {
  prod.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    HealthCheckType: 'ELB',
    HealthCheckGracePeriod: 120,
    DefaultInstanceWarmup: 120,
  });
});

// The target group routes only to targets passing its check and, with ELB health checks on the group,
// decides replacement: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
// So it checks /health/serving (no database, never shed), not /health/ready (test/health-checks.test.ts).
t.test('the target group checks GET /health/serving and drains for the deregistration delay', async () => {
  dev.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    HealthCheckPath: '/health/serving',
    HealthCheckIntervalSeconds: 15,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2,
    Matcher: { HttpCode: '200' },
    Protocol: 'HTTP',
    TargetType: 'instance',
    TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
  });
  dev.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    TargetGroupARNs: [{ Ref: Match.stringLikeRegexp('Targets') }],
  });
});

t.test('a listener rule on the environment listener forwards to the service target group', async () => {
  dev.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
    ListenerArn: devOutputs.AlbListenerArn,
    Priority: 100,
    Actions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('Targets') } }],
  });
  dev.template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  dev.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  dev.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
});

t.test('target tracking scales on CPU and on ALB requests per target', async () => {
  prod.template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingConfiguration: {
      PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
      TargetValue: 55,
    },
  });
  prod.template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingConfiguration: {
      PredefinedMetricSpecification: {
        PredefinedMetricType: 'ALBRequestCountPerTarget',
        ResourceLabel: {
          'Fn::Join': [
            '',
            [`${prodOutputs.LoadBalancerFullName}/`, { 'Fn::GetAtt': [Match.anyValue(), 'TargetGroupFullName'] }],
          ],
        },
      },
      TargetValue: 1200,
    },
  });
});

t.test('the request-count policy waits for the listener rule that attaches the target group to the ALB', async (t) => {
  const [[ruleId]] = resourcesOfType(dev.json, 'AWS::ElasticLoadBalancingV2::ListenerRule') as [[string, unknown]];
  const [policy] = Object.values(dev.json.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::AutoScaling::ScalingPolicy' &&
      JSON.stringify(resource.Properties).includes('ALBRequestCountPerTarget'),
  );
  t.match(policy?.DependsOn, [ruleId]);
});

t.test('step scaling and scheduled actions follow the spec (prod has them, dev does not)', async (t) => {
  t.equal(
    resourcesOfType(dev.json, 'AWS::AutoScaling::ScalingPolicy').filter(([, p]) => p.PolicyType === 'StepScaling')
      .length,
    0,
  );
  dev.template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
  const steps = resourcesOfType(prod.json, 'AWS::AutoScaling::ScalingPolicy').filter(
    ([, p]) => p.PolicyType === 'StepScaling',
  );
  t.equal(steps.length, 2, 'a scale-in and a scale-out policy');
  prod.template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', {
    Recurrence: '0 7 * * 1-5',
    TimeZone: 'Europe/Berlin',
    MinSize: 3,
  });
  prod.template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 2);
});

t.test('lifecycle notifications go to an encrypted SNS topic', async () => {
  prod.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    NotificationConfigurations: [
      {
        TopicARN: { Ref: Match.stringLikeRegexp('LifecycleNotifications') },
        NotificationTypes: [
          'autoscaling:EC2_INSTANCE_LAUNCH',
          'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
          'autoscaling:EC2_INSTANCE_TERMINATE',
          'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
        ],
      },
    ],
  });
  prod.template.hasResourceProperties('AWS::SNS::Topic', {
    KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
  });
  prod.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  prod.template.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'email',
    Endpoint: 'platform-oncall@taskboard.example.com',
  });
  dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
});

t.test('the notification key admits the Auto Scaling service-linked role even before that role exists', async (t) => {
  const [[, key]] = resourcesOfType(prod.json, 'AWS::KMS::Key') as [[string, { KeyPolicy: { Statement: unknown[] } }]];
  const serviceLinkedRole = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':iam::',
        { Ref: 'AWS::AccountId' },
        ':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
      ],
    ],
  };
  // KMS rejects a key policy whose principals do not exist: the role may only appear in a condition.
  for (const statement of key.KeyPolicy.Statement as Array<{ Principal: unknown }>) {
    t.notMatch(JSON.stringify(statement.Principal), 'AWSServiceRoleForAutoScaling');
  }
  prod.template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Condition: {
            StringEquals: { 'aws:PrincipalArn': serviceLinkedRole, 'kms:CallerAccount': { Ref: 'AWS::AccountId' } },
          },
        }),
      ]),
    }),
  });
});

t.test(
  'rolling updates: CloudFormation owns the launch template version and rolls it out by instance refresh',
  async () => {
    prod.template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({
        LaunchTemplate: {
          LaunchTemplateId: { Ref: Match.stringLikeRegexp('LaunchTemplate') },
          Version: { 'Fn::GetAtt': [Match.stringLikeRegexp('LaunchTemplate'), 'LatestVersionNumber'] },
        },
      }),
      UpdatePolicy: Match.objectLike({
        AutoScalingInstanceRefresh: {
          Strategy: 'Rolling',
          Preferences: {
            MinHealthyPercentage: 100,
            MaxHealthyPercentage: 150,
            InstanceWarmup: 120,
            SkipMatching: true,
            CheckpointPercentages: [50, 100],
            CheckpointDelay: 600,
            BakeTime: 300,
            AlarmSpecification: {
              Alarms: [
                { Ref: Match.stringLikeRegexp('UnhealthyTargetsAlarm') },
                { Ref: Match.stringLikeRegexp('Target5xxAlarm') },
              ],
            },
          },
        },
      }),
    });
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HTTPCode_Target_5XX_Count',
      Threshold: 20,
      Dimensions: Match.arrayWith([{ Name: 'LoadBalancer', Value: prodOutputs.LoadBalancerFullName }]),
    });
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnHealthyHostCount',
      Threshold: 0,
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  },
);

t.test('stack outputs name the group, launch template and topic for the rollout tooling', async (t) => {
  t.same(Object.keys(dev.json.Outputs ?? {}).sort(), [
    'ApiLogGroupName',
    'AutoScalingGroupName',
    'InstanceRoleArn',
    'LaunchTemplateId',
    'MigrationRunnerInstanceProfileArn',
    'NotificationTopicArn',
    'TargetGroupArn',
  ]);
});

t.test('cdk-nag AwsSolutions reports no unsuppressed errors or warnings', async (t) => {
  for (const synthesized of [dev, prod]) {
    const report = new AwsSolutionsChecks().validateScope(synthesized.stack);
    t.same(
      report.violations.map((v) => v.ruleName),
      [],
      synthesized.stackName,
    );
    const written = JSON.parse(readFileSync(join(synthesized.assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations?: unknown[] }>;
    };
    t.same(
      written.pluginReports.flatMap((r) => r.violations ?? []),
      [],
    );
  }
});

t.test('every cdk-nag acknowledgement carries a reason', async (t) => {
  let count = 0;
  for (const construct of prod.stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        count += 1;
        t.ok(typeof reason === 'string' && reason.length > 40, `${id} has a reason`);
      }
    }
  }
  t.equal(count, 3, "the instance role's two managed policies and the migration runner's one");
});

/** A CloudFormation string built with Fn::Join, with every token written as `<token>`. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return '<token>';
  return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
}

// The agent receives the api's metrics as EMF on its default TCP/UDP port 25888
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html)
// and its spans over OTLP/HTTP, an `otlp` section under `traces.traces_collected` going to X-Ray
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-OpenTelemetry-metrics.html).
t.test('the agent listens for EMF and OTLP traces where user data points the api', async (t) => {
  const [, parameter] = resourcesOfType(prod.json, 'AWS::SSM::Parameter')[0]!;
  const config = JSON.parse(joined(parameter.Value)) as {
    logs: { metrics_collected: { emf: object } };
    traces: { traces_collected: { otlp: { http_endpoint: string } } };
  };
  t.same(config.logs.metrics_collected.emf, {}, 'EMF listener with its defaults (TCP and UDP 25888)');
  t.equal(config.traces.traces_collected.otlp.http_endpoint, '127.0.0.1:4318');
  const userData = userDataOf(prod);
  for (const line of [
    'METRICS_EXPORTER="emf-agent"',
    'METRICS_EMF_ENDPOINT="tcp://127.0.0.1:25888"',
    'OTEL_SERVICE_NAME="taskboard-api-prod"',
    'OTEL_TRACES_EXPORTER="otlp"',
    `OTEL_EXPORTER_OTLP_ENDPOINT="http://${config.traces.traces_collected.otlp.http_endpoint}"`,
    'OTEL_TRACES_SAMPLER="parentbased_traceidratio"',
    'OTEL_TRACES_SAMPLER_ARG="0.01"',
  ]) {
    t.match(userData, line);
  }
  t.match(userDataOf(dev), 'OTEL_TRACES_SAMPLER_ARG="1"', 'the ratio comes from the spec');
  t.match(userDataOf(dev), 'OTEL_SERVICE_NAME="taskboard-api-dev"');
});

// The agent writes an EMF document to the log group named in its `_aws.LogGroupName`, else to its
// default `emf/logs/default` (no retention, no owner); `logs.metrics_collected.emf` has no option for
// the group: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html
// and https://github.com/awslabs/aws-embedded-metrics-node#configuration ("LogGroupName: For
// agent-based platforms, ... passed from the library to the agent in the Embedded Metric payload").
// The api puts METRICS_EMF_LOG_GROUP there (packages/api/test/metrics.test.ts).
t.test('the EMF documents go to a log group of the stack, kept as long as the api log', async (t) => {
  for (const [synthesized, instance, retention] of [
    [dev, 'taskboard-api-dev', 14],
    [prod, 'taskboard-api-prod', 365],
  ] as const) {
    const groups = Object.fromEntries(
      resourcesOfType(synthesized.json, 'AWS::Logs::LogGroup').map(([id, properties]) => [
        properties.LogGroupName as string,
        { id, retention: properties.RetentionInDays },
      ]),
    );
    t.same(Object.keys(groups).sort(), [`/taskboard/${instance}/api`, `/taskboard/${instance}/api-metrics`]);
    const metrics = groups[`/taskboard/${instance}/api-metrics`]!;
    t.equal(metrics.retention, retention, 'log_retention_days of the spec');
    t.equal(groups[`/taskboard/${instance}/api`]!.retention, retention);
    // A reference, not the name: CloudFormation creates the group before the launch template, so the
    // agent never creates it first (without a retention).
    t.match(userDataOf(synthesized), `METRICS_EMF_LOG_GROUP="${JSON.stringify({ Ref: metrics.id })}"`);
    t.notMatch(JSON.stringify(synthesized.json), 'emf/logs/default');
  }
});

t.test('one dashboard per environment over the Taskboard namespace, by Service', async (t) => {
  for (const [synthesized, service] of [
    [dev, 'taskboard-api-dev'],
    [prod, 'taskboard-api-prod'],
  ] as const) {
    const dashboards = resourcesOfType(synthesized.json, 'AWS::CloudWatch::Dashboard');
    t.equal(dashboards.length, 1);
    t.equal(dashboards[0]![1].DashboardName, service);
    const body = joined(dashboards[0]![1].DashboardBody);
    for (const name of [
      'Requests',
      'Errors4xx',
      'Errors5xx',
      'DbPoolInUse',
      'DbPoolWaiting',
      'DbPoolWaitTime',
      'EventLoopDelayP99',
      'EventLoopUtilization',
      'RequestsShed',
      'RateLimited',
      'JwksFetches',
    ]) {
      t.match(body, `["Taskboard","${name}","Service","${service}"`, `${service}: ${name}`);
    }
    // Per operation, problem type and reason: one series per dimension value (SEARCH).
    for (const [metric, dimension, stat] of [
      ['Latency', 'Operation', 'p50'],
      ['Latency', 'Operation', 'p90'],
      ['Latency', 'Operation', 'p99'],
      ['Requests', 'Operation', 'Sum'],
      ['Problems', 'ProblemType', 'Sum'],
      ['AuthFailures', 'Reason', 'Sum'],
    ]) {
      t.match(
        body,
        `SEARCH('{Taskboard,Service,${dimension}} MetricName=\\"${metric}\\" Service=\\"${service}\\"', '${stat}', 60)`,
      );
    }
    t.match(body, '"AWS/AutoScaling","GroupInServiceInstances","AutoScalingGroupName","<token>"');
    t.match(body, '"AWS/ApplicationELB","HealthyHostCount"');
    t.match(body, 'aws autoscaling describe-instance-refreshes --auto-scaling-group-name <token>');
  }
});

t.test('SLO alarms: burn rates from the spec, multiwindow, notifying the topic', async (t) => {
  t.equal(resourcesOfType(dev.json, 'AWS::CloudWatch::CompositeAlarm').length, 0, 'dev turns them off');
  const topic = { Ref: 'LifecycleNotificationsF4233E16' };
  const composites = resourcesOfType(prod.json, 'AWS::CloudWatch::CompositeAlarm');
  t.same(composites.map(([, alarm]) => alarm.AlarmName).sort(), [
    'taskboard-api-prod-slo-availability-fast-burn',
    'taskboard-api-prod-slo-availability-slow-burn',
    'taskboard-api-prod-slo-latency-fast-burn',
    'taskboard-api-prod-slo-latency-slow-burn',
  ]);
  for (const [, alarm] of composites) {
    t.same(alarm.AlarmActions, [topic]);
    t.same(alarm.OKActions, [topic]);
    t.match(joined(alarm.AlarmRule), /^\(ALARM\("<token>"\) AND ALARM\("<token>"\)\)$/);
  }
  // prod.yaml: 99.9 % -> a budget of 0.001; 1000 ms at p99 -> PR(:1000), a budget of 1 %.
  const windows = resourcesOfType(prod.json, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('SloAlarms'));
  const summary = windows
    .map(([, alarm]) => {
      const metrics = alarm.Metrics as { Expression?: string; MetricStat?: { Period: number; Stat: string } }[];
      return [
        alarm.AlarmName,
        alarm.Threshold,
        metrics.find((m) => m.Expression)!.Expression,
        metrics
          .filter((m) => m.MetricStat)
          .map((m) => `${m.MetricStat!.Stat}/${m.MetricStat!.Period}`)
          .join(','),
        alarm.AlarmActions ?? 'no actions',
      ];
    })
    .sort();
  const availability = '(FILL(errors, 0) / requests) / 0.001';
  const latency = '(100 - within) / 1';
  t.same(summary, [
    ['taskboard-api-prod-slo-availability-fast-burn-1h', 14.4, availability, 'Sum/3600,Sum/3600', 'no actions'],
    ['taskboard-api-prod-slo-availability-fast-burn-5m', 14.4, availability, 'Sum/300,Sum/300', 'no actions'],
    ['taskboard-api-prod-slo-availability-slow-burn-30m', 6, availability, 'Sum/1800,Sum/1800', 'no actions'],
    ['taskboard-api-prod-slo-availability-slow-burn-6h', 6, availability, 'Sum/21600,Sum/21600', 'no actions'],
    ['taskboard-api-prod-slo-latency-fast-burn-1h', 14.4, latency, 'PR(:1000)/3600', 'no actions'],
    ['taskboard-api-prod-slo-latency-fast-burn-5m', 14.4, latency, 'PR(:1000)/300', 'no actions'],
    ['taskboard-api-prod-slo-latency-slow-burn-30m', 6, latency, 'PR(:1000)/1800', 'no actions'],
    ['taskboard-api-prod-slo-latency-slow-burn-6h', 6, latency, 'PR(:1000)/21600', 'no actions'],
  ]);
  prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'taskboard-api-prod-slo-availability-fast-burn-1h',
    Metrics: Match.arrayWith([
      Match.objectLike({
        Id: 'requests',
        MetricStat: Match.objectLike({
          Metric: {
            Namespace: 'Taskboard',
            MetricName: 'Requests',
            Dimensions: [{ Name: 'Service', Value: 'taskboard-api-prod' }],
          },
        }),
      }),
    ]),
    TreatMissingData: 'notBreaching',
  });
});

// CloudWatch publishes alarm notifications as cloudwatch.amazonaws.com, which needs the topic's KMS
// key: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
t.test('CloudWatch may publish the SLO alarms to the encrypted topic, and only those alarms', async (t) => {
  const sourceArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':cloudwatch:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':alarm:taskboard-api-prod-slo-*',
      ],
    ],
  };
  const conditions = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': sourceArn },
  };
  prod.template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Condition: conditions,
        }),
      ]),
    }),
  });
  prod.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: conditions,
        }),
      ]),
    }),
  });
  t.notMatch(JSON.stringify(dev.json), 'cloudwatch.amazonaws.com', 'dev (no SLO alarms) grants CloudWatch nothing');
});
