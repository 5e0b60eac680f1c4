import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { TARGET_5XX_WINDOW, UNHEALTHY_TARGETS_WINDOW, bakeTimeSeconds, type AlarmWindow } from './rollback-timing.ts';

export interface RollbackAlarmsProps {
  /** The environment's ALB, as its CloudWatch dimension `app/<name>/<id>`. */
  readonly loadBalancerFullName: string;
  /** The service's target group (ServiceTargetGroup). */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Target 5xx responses per minute that put the 5xx alarm in ALARM. @default 10 */
  readonly target5xxThreshold?: number;
}

/**
 * The alarms an instance refresh watches: any of them in ALARM fails the refresh, and CloudFormation
 * rolls the stack back. One for targets failing the health check, one for the api's 5xx responses;
 * their evaluation windows give the refresh's bake time (rollback-timing.ts).
 */
export class RollbackAlarms extends Construct {
  readonly unhealthyTargets: cloudwatch.Alarm;
  readonly target5xx: cloudwatch.Alarm;
  /** How long a refresh keeps watching after its last instance, so the alarms see the whole new fleet. */
  readonly bakeTime: Duration;

  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);
    const dimensionsMap = {
      LoadBalancer: props.loadBalancerFullName,
      TargetGroup: props.targetGroup.targetGroupFullName,
    };
    this.unhealthyTargets = new cloudwatch.Alarm(this, 'UnhealthyTargetsAlarm', {
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
    this.target5xx = new cloudwatch.Alarm(this, 'Target5xxAlarm', {
      alarmDescription: 'The api answers with 5xx responses',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensionsMap,
        statistic: 'Sum',
        period: Duration.seconds(TARGET_5XX_WINDOW.periodSeconds),
      }),
      threshold: props.target5xxThreshold ?? 10,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...alarmWindow(TARGET_5XX_WINDOW),
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Without it a refresh reports success right after the last warm-up, before the alarms have
    // seen the new fleet for one evaluation window (rollback-timing.ts).
    this.bakeTime = Duration.seconds(bakeTimeSeconds([UNHEALTHY_TARGETS_WINDOW, TARGET_5XX_WINDOW]));
  }

  get alarms(): readonly cloudwatch.Alarm[] {
    return [this.unhealthyTargets, this.target5xx];
  }
}

/** The alarm's evaluation, from the window the bake time is computed from. */
function alarmWindow(window: AlarmWindow): Pick<cloudwatch.AlarmProps, 'evaluationPeriods' | 'datapointsToAlarm'> {
  return { evaluationPeriods: window.evaluationPeriods, datapointsToAlarm: window.datapointsToAlarm };
}
