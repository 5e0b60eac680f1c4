import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** How CloudFormation rolls a new launch template version out (AutoScalingInstanceRefresh). */
export interface InstanceRefreshSettings {
  /** Share of desired capacity the refresh keeps in service. @default 100 */
  readonly minHealthyPercentage?: number;
  /** Share of desired capacity the refresh may run; above 100 it launches before it terminates. @default 150 */
  readonly maxHealthyPercentage?: number;
  /** Percentages at which the refresh pauses, ascending, the last 100. @default - no checkpoints */
  readonly checkpointPercentages?: readonly number[];
  /** Pause at each checkpoint, while the alarms watch. @default Duration.seconds(300) */
  readonly checkpointDelay?: Duration;
  /** Any of these in ALARM fails the refresh, and CloudFormation rolls the stack back. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** How long the refresh keeps watching the alarms after the last instance (RollbackAlarms.bakeTime). */
  readonly bakeTime: Duration;
}

export interface ServiceFleetProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Subnets the instances run in. @default - the VPC's private subnets */
  readonly subnets?: ec2.SubnetSelection;
  /** What every instance is launched from (ApiLaunchTemplate); the group runs its latest version. */
  readonly launchTemplate: ec2.ILaunchTemplate;
  /** Fewest instances. @default 2 */
  readonly minCapacity?: number;
  /** Most instances (also bounds an instance refresh's surge). @default 4 */
  readonly maxCapacity?: number;
  /**
   * Instances to start with. Leave it unset so the scaling policies own the size: a value resets
   * the group to it on every deploy.
   * @default - unset
   */
  readonly desiredCapacity?: number;
  /** Time after launch before failed ELB health checks replace an instance. @default Duration.seconds(120) */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * Time before a new instance counts in scaling metrics, and in an instance refresh's progress.
   * @default Duration.seconds(120)
   */
  readonly defaultInstanceWarmup?: Duration;
  /** Receives every launch and termination, successful or not. */
  readonly notificationTopic: sns.ITopic;
  /** The target group the instances register in; its health check also decides replacement. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly instanceRefresh: InstanceRefreshSettings;
}

/**
 * The api's Auto Scaling group: instances from the launch template's latest version, registered in
 * the target group, replaced when its health check fails (after the grace period), lifecycle
 * notifications to the topic, and a rolling instance refresh that CloudFormation runs for every new
 * launch template version and rolls back when an alarm fires (templates/README.md, "Decisions").
 */
export class ServiceFleet extends Construct {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: ServiceFleetProps) {
    super(scope, id);
    const refresh = props.instanceRefresh;
    const checkpoints = refresh.checkpointPercentages ?? [];
    const warmup = props.defaultInstanceWarmup ?? Duration.seconds(120);
    // `Default`: the group (and the scaling policies and scheduled actions under it) keep the logical
    // IDs they had as the stack's child `Instances` (service-stack.ts); a new group would replace the fleet.
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Default', {
      vpc: props.vpc,
      vpcSubnets: props.subnets ?? { subnets: props.vpc.privateSubnets },
      launchTemplate: props.launchTemplate,
      minCapacity: props.minCapacity ?? 2,
      maxCapacity: props.maxCapacity ?? 4,
      ...(props.desiredCapacity !== undefined ? { desiredCapacity: props.desiredCapacity } : {}),
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGracePeriod ?? Duration.seconds(120),
      }),
      defaultInstanceWarmup: warmup,
      notifications: [{ topic: props.notificationTopic, scalingEvents: autoscaling.ScalingEvents.ALL }],
      groupMetrics: [autoscaling.GroupMetrics.all()],
      // The one owner of the launch template version is this template: a new AMI id in the spec makes
      // a new version, and CloudFormation rolls it out with an instance refresh (see templates/README.md).
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: refresh.minHealthyPercentage ?? 100,
        maxHealthyPercentage: refresh.maxHealthyPercentage ?? 150,
        instanceWarmup: warmup,
        skipMatching: true,
        ...(checkpoints.length > 0
          ? {
              checkpointPercentages: [...checkpoints],
              checkpointDelay: refresh.checkpointDelay ?? Duration.seconds(300),
            }
          : {}),
        alarms: [...refresh.alarms],
        bakeTime: refresh.bakeTime,
      }),
    });
    this.autoScalingGroup.attachToApplicationTargetGroup(props.targetGroup);
  }
}
