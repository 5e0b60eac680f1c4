import { Aws, CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { HEALTH_CHECK_PATH, healthCheckTiming, validateGracePeriod } from './health-check-timing.ts';
import { InstanceRole, MigrationRunnerRole } from './instance-role.ts';
import { groupCapacity, scalingInputs, tagForRollout } from './migration-runner.ts';
import { suppressAcceptedFindings } from './nag-suppressions.ts';
import { TARGET_5XX_WINDOW, UNHEALTHY_TARGETS_WINDOW, bakeTimeSeconds, type AlarmWindow } from './rollback-timing.ts';
import type { ServiceInputs } from './service-inputs.ts';
import { API_LOG_FILE, CLOUDWATCH_AGENT_USER, apiUserDataCommands } from './user-data.ts';
import { unreachableCpuThresholds } from './cpu-thresholds.ts';

export interface ServiceStackProps extends StackProps {
  readonly inputs: ServiceInputs;
  /** Name of the service instance (from the spec file); prefixes resource names. */
  readonly instanceName: string;
  /**
   * The first deploy's first step: no instances (and no scheduled actions) until the rollout has
   * migrated the database with the runner; the spec is unchanged (docs/first-deploy.md).
   * @default false
   */
  readonly awaitingMigrations?: boolean;
}

/**
 * One api service instance: a launch template (AMI from the spec), an Auto Scaling group in the
 * environment's private application subnets registered into a target group on the environment's
 * ALB listener, scaling policies, lifecycle notifications, and a CloudFormation-driven instance
 * refresh that rolls back on failure.
 */
export class ServiceStack extends Stack {
  readonly instanceRole: InstanceRole;
  /** Present when the spec names the migrator secret. */
  readonly migrationRunner?: MigrationRunnerRole;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly notificationTopic: sns.Topic;
  readonly logGroup: logs.LogGroup;
  readonly rollbackAlarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const inputs = props.inputs;
    validateCapacity(inputs);
    const unreachable = unreachableCpuThresholds(inputs);
    if (unreachable.length > 0) throw new Error(unreachable.join('; '));
    const healthChecks = healthCheckTiming(inputs.health_check_interval_seconds);
    validateGracePeriod(inputs.health_check_grace_period_seconds, healthChecks);
    Tags.of(this).add('taskboard:service-instance', props.instanceName);

    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: inputs.vpc_id,
      availabilityZones: [...inputs.availability_zones],
      privateSubnetIds: [...inputs.private_subnet_ids],
    });
    // mutable: false: the environment owns these groups and their rules (ALB -> instances on the port).
    const instanceSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'InstanceSecurityGroup',
      inputs.instance_security_group_id,
      {
        mutable: false,
      },
    );
    const albSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'AlbSecurityGroup',
      inputs.alb_security_group_id,
      {
        mutable: false,
      },
    );

    this.instanceRole = new InstanceRole(this, 'InstanceRole', { databaseSecretArn: inputs.database_secret_arn });
    const awaitingMigrations = props.awaitingMigrations ?? false;
    if (inputs.database_migrator_secret_arn) {
      this.migrationRunner = new MigrationRunnerRole(this, 'MigrationRunner', {
        databaseSecretArn: inputs.database_secret_arn,
        migratorSecretArn: inputs.database_migrator_secret_arn,
      });
    }
    this.logGroup = new logs.LogGroup(this, 'ApiLogs', {
      logGroupName: `/taskboard/${props.instanceName}/api`,
      retention: inputs.log_retention_days as logs.RetentionDays,
    });
    const agentConfig = new ssm.StringParameter(this, 'CloudWatchAgentConfig', {
      // CloudWatchAgentServerPolicy grants ssm:GetParameter on AmazonCloudWatch-* only.
      parameterName: `AmazonCloudWatch-${props.instanceName}`,
      description: 'CloudWatch agent configuration of the Taskboard api instances',
      stringValue: JSON.stringify(cloudWatchAgentConfiguration(this.logGroup.logGroupName)),
    });

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...apiUserDataCommands({
        region: Aws.REGION,
        port: inputs.service_port,
        databaseSecretId: inputs.database_secret_arn,
        issuerUrl: inputs.issuer_url,
        clientId: inputs.user_pool_client_id,
        corsOrigins: inputs.cors_allowed_origins,
        logLevel: inputs.log_level,
        deregistrationDelaySeconds: inputs.deregistration_delay_seconds,
        drainDetectionSeconds: healthChecks.drainDetectionSeconds,
        ...(inputs.database_ssl_ca_file ? { databaseSslCaFile: inputs.database_ssl_ca_file } : {}),
        ...(inputs.api_stage_name ? { apiStageName: inputs.api_stage_name } : {}),
        cloudWatchAgentConfigParameter: agentConfig.parameterName,
        ...(inputs.database_migrator_secret_arn
          ? { databaseMigratorSecretId: inputs.database_migrator_secret_arn }
          : {}),
      }),
    );
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.genericLinux({ [this.region]: inputs.ami_id }),
      instanceType: new ec2.InstanceType(inputs.instance_type),
      role: this.instanceRole.role,
      securityGroup: instanceSecurityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1, // no containers on the host: tokens must not leave the instance
      instanceMetadataTags: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(inputs.root_volume_size_gib, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.notificationTopic = this.createNotificationTopic(inputs);
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: inputs.service_port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: Duration.seconds(inputs.deregistration_delay_seconds),
      // Routes traffic and, through the group's ELB health checks, decides replacement: the api's
      // serving check fails only for a broken, hung or draining process (health-check-timing.ts).
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(healthChecks.intervalSeconds),
        timeout: Duration.seconds(healthChecks.timeoutSeconds),
        healthyThresholdCount: healthChecks.healthyThreshold,
        unhealthyThresholdCount: healthChecks.unhealthyThreshold,
      },
    });
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(this, 'Listener', {
      listenerArn: inputs.alb_listener_arn,
      securityGroup: albSecurityGroup,
    });
    const listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
      listener,
      priority: inputs.listener_rule_priority,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    if (inputs.api_stage_name) stripStagePrefix(listenerRule, inputs.api_stage_name);

    const rollbackWindows = [UNHEALTHY_TARGETS_WINDOW, TARGET_5XX_WINDOW];
    this.rollbackAlarms = this.createRollbackAlarms(inputs);
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Instances', {
      vpc,
      vpcSubnets: { subnets: vpc.privateSubnets },
      launchTemplate: this.launchTemplate,
      ...groupCapacity(inputs, awaitingMigrations),
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.seconds(inputs.health_check_grace_period_seconds),
      }),
      defaultInstanceWarmup: Duration.seconds(inputs.default_instance_warmup_seconds),
      notifications: [{ topic: this.notificationTopic, scalingEvents: autoscaling.ScalingEvents.ALL }],
      groupMetrics: [autoscaling.GroupMetrics.all()],
      // The one owner of the launch template version is this template: a new AMI id in the spec makes
      // a new version, and CloudFormation rolls it out with an instance refresh (see templates/README.md).
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: inputs.instance_refresh_min_healthy_percentage,
        maxHealthyPercentage: inputs.instance_refresh_max_healthy_percentage,
        instanceWarmup: Duration.seconds(inputs.default_instance_warmup_seconds),
        skipMatching: true,
        ...(inputs.instance_refresh_checkpoints.length > 0
          ? {
              checkpointPercentages: [...inputs.instance_refresh_checkpoints],
              checkpointDelay: Duration.seconds(inputs.instance_refresh_checkpoint_delay_seconds),
            }
          : {}),
        alarms: [...this.rollbackAlarms],
        // Without it a refresh reports success right after the last warm-up, before the alarms have
        // seen the new fleet for one evaluation window (rollback-timing.ts).
        bakeTime: Duration.seconds(bakeTimeSeconds(rollbackWindows)),
      }),
    });
    this.autoScalingGroup.attachToApplicationTargetGroup(this.targetGroup);
    tagForRollout(this.autoScalingGroup, this.migrationRunner, awaitingMigrations);
    this.addScalingPolicies(scalingInputs(inputs, awaitingMigrations), listenerRule);

    const outputs: Record<string, string> = {
      AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName,
      LaunchTemplateId: this.launchTemplate.launchTemplateId!,
      TargetGroupArn: this.targetGroup.targetGroupArn,
      NotificationTopicArn: this.notificationTopic.topicArn,
      InstanceRoleArn: this.instanceRole.role.roleArn,
      ...(this.migrationRunner
        ? { MigrationRunnerInstanceProfileArn: this.migrationRunner.instanceProfile.instanceProfileArn }
        : {}),
      ApiLogGroupName: this.logGroup.logGroupName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });

    suppressAcceptedFindings(this);
  }

  private createNotificationTopic(inputs: ServiceInputs): sns.Topic {
    const key = new kms.Key(this, 'NotificationKey', {
      description: 'Encrypts the Taskboard service lifecycle notification topic',
      enableKeyRotation: true,
    });
    // Auto Scaling publishes with its service-linked role, which needs the key. KMS rejects a key
    // policy naming a principal that does not exist, and that role exists only once the account's
    // first Auto Scaling group is created (later in this very stack, in a fresh account). So match
    // it by aws:PrincipalArn under principal "*" instead; kms:CallerAccount keeps it to this account.
    // Not the account root principal: that only delegates to IAM policies, and AWS fixes the
    // service-linked role's policy, which grants no KMS use of customer managed keys.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AutoScalingPublishesNotifications',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            'kms:CallerAccount': Aws.ACCOUNT_ID,
          },
        },
      }),
    );
    const topic = new sns.Topic(this, 'LifecycleNotifications', { masterKey: key, enforceSSL: true });
    if (inputs.notification_email)
      topic.addSubscription(new subscriptions.EmailSubscription(inputs.notification_email));
    return topic;
  }

  /** Alarms an instance refresh watches: any of them in ALARM fails the refresh, and the stack rolls back. */
  private createRollbackAlarms(inputs: ServiceInputs): cloudwatch.Alarm[] {
    const dimensionsMap = {
      LoadBalancer: inputs.load_balancer_full_name,
      TargetGroup: this.targetGroup.targetGroupFullName,
    };
    const unhealthy = new cloudwatch.Alarm(this, 'UnhealthyTargetsAlarm', {
      alarmDescription: 'Targets failing GET /health/serving during or after a rollout',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        dimensionsMap,
        statistic: 'Maximum',
        period: Duration.seconds(UNHEALTHY_TARGETS_WINDOW.periodSeconds),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ...alarmWindow(UNHEALTHY_TARGETS_WINDOW),
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const errors = new cloudwatch.Alarm(this, 'Target5xxAlarm', {
      alarmDescription: 'The api answers with 5xx responses',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensionsMap,
        statistic: 'Sum',
        period: Duration.seconds(TARGET_5XX_WINDOW.periodSeconds),
      }),
      threshold: inputs.rollback_5xx_threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...alarmWindow(TARGET_5XX_WINDOW),
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return [unhealthy, errors];
  }

  private addScalingPolicies(inputs: ServiceInputs, listenerRule: elbv2.ApplicationListenerRule): void {
    const group = this.autoScalingGroup;
    group.scaleOnCpuUtilization('CpuTarget', { targetUtilizationPercent: inputs.cpu_target_utilization_percent });
    const requestCount = new autoscaling.TargetTrackingScalingPolicy(this, 'RequestCountTarget', {
      autoScalingGroup: group,
      predefinedMetric: autoscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: `${inputs.load_balancer_full_name}/${this.targetGroup.targetGroupFullName}`,
      targetValue: inputs.requests_per_target,
    });
    // Auto Scaling rejects ALBRequestCountPerTarget for a target group no load balancer routes to
    // yet; only the listener rule attaches ours, and nothing else orders the two (CDK's own
    // scaleOnRequestCount adds the same dependency).
    requestCount.node.addDependency(listenerRule);
    if (inputs.step_scaling_steps.length > 0) {
      group.scaleOnMetric('CpuSteps', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
          statistic: 'Average',
          period: Duration.minutes(1),
        }),
        scalingSteps: inputs.step_scaling_steps.map((step) => ({
          ...(step.lower !== undefined ? { lower: step.lower } : {}),
          ...(step.upper !== undefined ? { upper: step.upper } : {}),
          change: step.change,
        })),
        adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      });
    }
    for (const action of inputs.scheduled_actions) {
      group.scaleOnSchedule(action.name, {
        schedule: autoscaling.Schedule.expression(action.schedule),
        timeZone: action.time_zone,
        ...(action.min_capacity !== undefined ? { minCapacity: action.min_capacity } : {}),
        ...(action.max_capacity !== undefined ? { maxCapacity: action.max_capacity } : {}),
        ...(action.desired_capacity !== undefined ? { desiredCapacity: action.desired_capacity } : {}),
      });
    }
  }
}

/** The alarm's evaluation, from the window the bake time is computed from. */
function alarmWindow(window: AlarmWindow): Pick<cloudwatch.AlarmProps, 'evaluationPeriods' | 'datapointsToAlarm'> {
  return { evaluationPeriods: window.evaluationPeriods, datapointsToAlarm: window.datapointsToAlarm };
}

function validateCapacity(inputs: ServiceInputs): void {
  if (inputs.min_capacity > inputs.max_capacity) {
    throw new Error(
      `spec.min_capacity (${inputs.min_capacity}) must not exceed spec.max_capacity (${inputs.max_capacity})`,
    );
  }
  const desired = inputs.desired_capacity;
  if (desired !== undefined && (desired < inputs.min_capacity || desired > inputs.max_capacity)) {
    throw new Error(`spec.desired_capacity (${desired}) must be between min_capacity and max_capacity`);
  }
  if (inputs.step_scaling_steps.length === 1) {
    throw new Error('spec.step_scaling_steps: give at least two intervals (or none)');
  }
  const checkpoints = inputs.instance_refresh_checkpoints;
  if (checkpoints.length > 0) {
    const ascending = checkpoints.every((value, index) => index === 0 || value > checkpoints[index - 1]!);
    if (!ascending || checkpoints.at(-1) !== 100) {
      throw new Error('spec.instance_refresh_checkpoints: must be strictly ascending and end with 100');
    }
  }
  if (inputs.instance_refresh_max_healthy_percentage - inputs.instance_refresh_min_healthy_percentage > 100) {
    throw new Error('spec.instance_refresh_max_healthy_percentage: may exceed min_healthy_percentage by at most 100');
  }
  if (inputs.private_subnet_ids.length !== inputs.availability_zones.length) {
    throw new Error('spec.private_subnet_ids: needs one subnet per entry of spec.availability_zones');
  }
}

/** Ships the api log file and memory/disk metrics the default EC2 metrics lack. */
function cloudWatchAgentConfiguration(logGroupName: string): Record<string, unknown> {
  return {
    // Not root: as root, whoever can edit this SSM parameter could ship any file (api.env included).
    // User data and the unit's LogsDirectoryMode let cwagent read the api log and nothing more.
    agent: { run_as_user: CLOUDWATCH_AGENT_USER },
    logs: {
      logs_collected: {
        files: {
          collect_list: [{ file_path: API_LOG_FILE, log_group_name: logGroupName, log_stream_name: '{instance_id}' }],
        },
      },
    },
    metrics: {
      namespace: 'Taskboard/Api',
      append_dimensions: { AutoScalingGroupName: '${aws:AutoScalingGroupName}' },
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'] },
      },
    },
  };
}

/**
 * API Gateway sends the stage before the path to a private integration (`/live/v1/...`). The
 * listener rule removes it with a URL rewrite transform, so the api receives the paths it declares
 * by construction; a URL without the prefix does not match and is forwarded unchanged, and the api's
 * own API_STAGE_PREFIX strips it too if a request ever arrives with it. CDK 2.276's L2 rule has no
 * transforms, so the L1 property is set.
 */
function stripStagePrefix(rule: elbv2.ApplicationListenerRule, stageName: string): void {
  const cfnRule = rule.node.defaultChild as elbv2.CfnListenerRule;
  cfnRule.transforms = [
    {
      type: 'url-rewrite',
      urlRewriteConfig: { rewrites: [{ regex: stagePrefixPattern(stageName), replace: '/$1' }] },
    },
  ];
}

/** `^/<stage>/(.*)$`: stage names are `[A-Za-z0-9_]` (schema), so nothing needs escaping. */
export function stagePrefixPattern(stageName: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(stageName)) {
    throw new Error(`spec.api_stage_name: "${stageName}" is not an API Gateway stage name`);
  }
  return `^/${stageName}/(.*)$`;
}
