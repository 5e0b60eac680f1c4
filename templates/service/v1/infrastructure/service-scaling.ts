import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

/** A capacity change on a schedule. */
export interface ScheduledCapacityChange {
  /** Unique among the group's scheduled actions; part of the action's logical ID. */
  readonly name: string;
  /** Cron expression (five fields), in `timeZone`. */
  readonly schedule: string;
  /** IANA time zone of `schedule`, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** @default - unchanged */
  readonly minCapacity?: number;
  /** @default - unchanged */
  readonly maxCapacity?: number;
  /** @default - unchanged */
  readonly desiredCapacity?: number;
}

export interface ServiceScalingProps {
  /** The group to scale (ServiceFleet). */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The group's target group: request counts per target are measured on it. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * The listener rule that forwards to the target group. Auto Scaling rejects a request-count policy
   * for a target group no load balancer routes to yet, so the policy waits for the rule.
   */
  readonly listenerRule: elbv2.ApplicationListenerRule;
  /** The environment's ALB, as its CloudWatch dimension `app/<name>/<id>`. */
  readonly loadBalancerFullName: string;
  /** Target tracking: group average CPU to aim for, in percent (cpu-thresholds.ts bounds it). @default 50 */
  readonly cpuTargetUtilizationPercent?: number;
  /** Target tracking: ALB requests per instance per minute to aim for. @default 1000 */
  readonly requestsPerTarget?: number;
  /**
   * Step scaling on group average CPU (percent bounds, change in instances); at least two intervals.
   * @default - no step scaling
   */
  readonly cpuSteps?: readonly autoscaling.ScalingInterval[];
  /** @default - none */
  readonly scheduledActions?: readonly ScheduledCapacityChange[];
}

/**
 * How the group's size follows load: target tracking on CPU and on requests per target, optional
 * step scaling on CPU for sharp rises, and scheduled capacity changes.
 */
export class ServiceScaling extends Construct {
  readonly requestCountTarget: autoscaling.TargetTrackingScalingPolicy;

  constructor(scope: Construct, id: string, props: ServiceScalingProps) {
    super(scope, id);
    const group = props.autoScalingGroup;
    group.scaleOnCpuUtilization('CpuTarget', { targetUtilizationPercent: props.cpuTargetUtilizationPercent ?? 50 });
    this.requestCountTarget = new autoscaling.TargetTrackingScalingPolicy(this, 'RequestCountTarget', {
      autoScalingGroup: group,
      predefinedMetric: autoscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: `${props.loadBalancerFullName}/${props.targetGroup.targetGroupFullName}`,
      targetValue: props.requestsPerTarget ?? 1000,
    });
    // Auto Scaling rejects ALBRequestCountPerTarget for a target group no load balancer routes to
    // yet; only the listener rule attaches ours, and nothing else orders the two (CDK's own
    // scaleOnRequestCount adds the same dependency).
    this.requestCountTarget.node.addDependency(props.listenerRule);
    const cpuSteps = props.cpuSteps ?? [];
    if (cpuSteps.length > 0) {
      group.scaleOnMetric('CpuSteps', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
          statistic: 'Average',
          period: Duration.minutes(1),
        }),
        scalingSteps: [...cpuSteps],
        adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      });
    }
    for (const action of props.scheduledActions ?? []) {
      group.scaleOnSchedule(action.name, {
        schedule: autoscaling.Schedule.expression(action.schedule),
        timeZone: action.timeZone,
        ...(action.minCapacity !== undefined ? { minCapacity: action.minCapacity } : {}),
        ...(action.maxCapacity !== undefined ? { maxCapacity: action.maxCapacity } : {}),
        ...(action.desiredCapacity !== undefined ? { desiredCapacity: action.desiredCapacity } : {}),
      });
    }
  }
}
