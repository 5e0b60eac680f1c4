import type { CfnResource } from 'aws-cdk-lib';
import { Aws, CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct, IConstruct } from 'constructs';
import { ApiLaunchTemplate } from './api-launch-template.ts';
import { ApiLogs } from './api-logs.ts';
import { unreachableCpuThresholds } from './cpu-thresholds.ts';
import { healthCheckTiming, validateGracePeriod } from './health-check-timing.ts';
import { InstanceRole, MigrationRunnerRole } from './instance-role.ts';
import { LifecycleNotifications } from './lifecycle-notifications.ts';
import { groupCapacity, scalingInputs, tagForRollout } from './migration-runner.ts';
import { suppressAcceptedFindings } from './nag-suppressions.ts';
import { RollbackAlarms } from './rollback-alarms.ts';
import { SloAlarms } from './slo-alarms.ts';
import { validateInputRelations, type ServiceInputs } from './service-inputs.ts';
import { ServiceFleet } from './service-fleet.ts';
import { ServiceDashboard } from './service-dashboard.ts';
import { ServiceScaling } from './service-scaling.ts';
import { ServiceTargetGroup } from './service-target-group.ts';

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
 * Logical IDs of resources that a construct builds beside its `Default` child. They had these IDs
 * when the stack built them itself, before the constructs existed, and keep them: CloudFormation
 * replaces a resource whose logical ID changes, and these would collide with themselves (the
 * parameter's name, the rule's priority) or lose their state (the key). Each construct's main
 * resource keeps its ID by being its `Default` child, which logical IDs leave out
 * (https://docs.aws.amazon.com/cdk/v2/guide/refactor.html). test/logical-ids.test.ts pins them all.
 */
export const KEPT_LOGICAL_IDS = {
  agentConfig: 'CloudWatchAgentConfigF6F50B7E',
  notificationKey: 'NotificationKey6F64DE1A',
  listenerRule: 'ListenerRule73F9AC5E',
  unhealthyTargetsAlarm: 'UnhealthyTargetsAlarm3F77BCD9',
  target5xxAlarm: 'Target5xxAlarmB9F2DA7F',
  requestCountTarget: 'RequestCountTargetA84737BA',
} as const;

/**
 * One api service instance: a launch template (AMI from the spec), an Auto Scaling group in the
 * environment's private application subnets registered into a target group on the environment's
 * ALB listener, scaling policies, lifecycle notifications, and a CloudFormation-driven instance
 * refresh that rolls back on failure. The spec's inputs are validated and mapped to the constructs'
 * props here, once.
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
  /** Present when the spec enables them (slo_alarms_enabled). */
  readonly sloAlarms?: SloAlarms;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const inputs = props.inputs;
    validateInputRelations(inputs);
    const unreachable = unreachableCpuThresholds(inputs);
    if (unreachable.length > 0) throw new Error(unreachable.join('; '));
    const healthChecks = healthCheckTiming(inputs.health_check_interval_seconds);
    validateGracePeriod(inputs.health_check_grace_period_seconds, healthChecks);
    Tags.of(this).add('taskboard:service-instance', props.instanceName);
    // The `Service` dimension of the api's metrics and the service name of its traces.
    const serviceName = props.instanceName;

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
      { mutable: false },
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
    const apiLogs = new ApiLogs(this, 'ApiLogs', {
      logGroupName: `/taskboard/${props.instanceName}/api`,
      metricsLogGroupName: `/taskboard/${props.instanceName}/api-metrics`,
      retention: inputs.log_retention_days as logs.RetentionDays,
      agentConfigParameterName: `AmazonCloudWatch-${props.instanceName}`,
    });
    this.logGroup = apiLogs.logGroup;

    this.launchTemplate = new ApiLaunchTemplate(this, 'LaunchTemplate', {
      amiId: inputs.ami_id,
      instanceType: inputs.instance_type,
      rootVolumeSizeGib: inputs.root_volume_size_gib,
      role: this.instanceRole.role,
      securityGroup: instanceSecurityGroup,
      api: {
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
        cloudWatchAgentConfigParameter: apiLogs.agentConfigParameter.parameterName,
        serviceName,
        metricsLogGroupName: apiLogs.metricsLogGroup.logGroupName,
        traceSampleRatio: inputs.trace_sample_ratio,
        ...(inputs.database_migrator_secret_arn
          ? { databaseMigratorSecretId: inputs.database_migrator_secret_arn }
          : {}),
      },
    }).launchTemplate;

    const notifications = new LifecycleNotifications(this, 'LifecycleNotifications', {
      ...(inputs.notification_email ? { email: inputs.notification_email } : {}),
    });
    this.notificationTopic = notifications.topic;
    const targets = new ServiceTargetGroup(this, 'Targets', {
      vpc,
      port: inputs.service_port,
      listener: elbv2.ApplicationListener.fromApplicationListenerAttributes(this, 'Listener', {
        listenerArn: inputs.alb_listener_arn,
        securityGroup: albSecurityGroup,
      }),
      listenerRulePriority: inputs.listener_rule_priority,
      deregistrationDelay: Duration.seconds(inputs.deregistration_delay_seconds),
      healthChecks,
      ...(inputs.api_stage_name ? { apiStageName: inputs.api_stage_name } : {}),
    });
    this.targetGroup = targets.targetGroup;

    const alarms = new RollbackAlarms(this, 'RollbackAlarms', {
      loadBalancerFullName: inputs.load_balancer_full_name,
      targetGroup: this.targetGroup,
      target5xxThreshold: inputs.rollback_5xx_threshold,
    });
    this.rollbackAlarms = alarms.alarms;
    this.autoScalingGroup = new ServiceFleet(this, 'Instances', {
      vpc,
      subnets: { subnets: vpc.privateSubnets },
      launchTemplate: this.launchTemplate,
      ...groupCapacity(inputs, awaitingMigrations),
      healthCheckGracePeriod: Duration.seconds(inputs.health_check_grace_period_seconds),
      defaultInstanceWarmup: Duration.seconds(inputs.default_instance_warmup_seconds),
      notificationTopic: this.notificationTopic,
      targetGroup: this.targetGroup,
      instanceRefresh: {
        minHealthyPercentage: inputs.instance_refresh_min_healthy_percentage,
        maxHealthyPercentage: inputs.instance_refresh_max_healthy_percentage,
        checkpointPercentages: inputs.instance_refresh_checkpoints,
        checkpointDelay: Duration.seconds(inputs.instance_refresh_checkpoint_delay_seconds),
        alarms: this.rollbackAlarms,
        bakeTime: alarms.bakeTime,
      },
    }).autoScalingGroup;
    tagForRollout(this.autoScalingGroup, this.migrationRunner, awaitingMigrations);

    const requestCount = new ServiceScaling(this, 'Scaling', {
      autoScalingGroup: this.autoScalingGroup,
      targetGroup: this.targetGroup,
      listenerRule: targets.listenerRule,
      loadBalancerFullName: inputs.load_balancer_full_name,
      cpuTargetUtilizationPercent: inputs.cpu_target_utilization_percent,
      requestsPerTarget: inputs.requests_per_target,
      cpuSteps: inputs.step_scaling_steps.map((step) => ({
        ...(step.lower !== undefined ? { lower: step.lower } : {}),
        ...(step.upper !== undefined ? { upper: step.upper } : {}),
        change: step.change,
      })),
      scheduledActions: scalingInputs(inputs, awaitingMigrations).scheduled_actions.map((action) => ({
        name: action.name,
        schedule: action.schedule,
        timeZone: action.time_zone,
        ...(action.min_capacity !== undefined ? { minCapacity: action.min_capacity } : {}),
        ...(action.max_capacity !== undefined ? { maxCapacity: action.max_capacity } : {}),
        ...(action.desired_capacity !== undefined ? { desiredCapacity: action.desired_capacity } : {}),
      })),
    }).requestCountTarget;

    if (inputs.slo_alarms_enabled) {
      const alarmNamePrefix = props.instanceName;
      notifications.allowCloudWatchAlarms(`${alarmNamePrefix}-slo-*`);
      this.sloAlarms = new SloAlarms(this, 'SloAlarms', {
        serviceName,
        alarmNamePrefix,
        availabilityObjectivePercent: inputs.slo_availability_objective_percent,
        latencyThresholdMs: inputs.slo_latency_threshold_ms,
        topic: this.notificationTopic,
      });
    }
    this.dashboard = new ServiceDashboard(this, 'Dashboard', {
      dashboardName: props.instanceName,
      serviceName,
      autoScalingGroupName: this.autoScalingGroup.autoScalingGroupName,
      loadBalancerFullName: inputs.load_balancer_full_name,
      targetGroupFullName: this.targetGroup.targetGroupFullName,
      alarms: [...this.rollbackAlarms, ...(this.sloAlarms?.compositeAlarms ?? [])],
    }).dashboard;

    keepLogicalId(apiLogs.agentConfigParameter, KEPT_LOGICAL_IDS.agentConfig);
    keepLogicalId(notifications.key, KEPT_LOGICAL_IDS.notificationKey);
    keepLogicalId(targets.listenerRule, KEPT_LOGICAL_IDS.listenerRule);
    keepLogicalId(alarms.unhealthyTargets, KEPT_LOGICAL_IDS.unhealthyTargetsAlarm);
    keepLogicalId(alarms.target5xx, KEPT_LOGICAL_IDS.target5xxAlarm);
    keepLogicalId(requestCount, KEPT_LOGICAL_IDS.requestCountTarget);

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
}

function keepLogicalId(construct: IConstruct, logicalId: string): void {
  (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
}
