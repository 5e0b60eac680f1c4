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
    // An ALB metric of the target group, evaluated over the window the bake time is computed from;
    // no data (no traffic) is not a breach.
    const alarm = (
      alarmId: string,
      alarmDescription: string,
      metric: { metricName: string; statistic: string; window: AlarmWindow },
      threshold: Pick<cloudwatch.AlarmProps, 'threshold' | 'comparisonOperator'>,
    ) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/ApplicationELB',
          metricName: metric.metricName,
          dimensionsMap,
          statistic: metric.statistic,
          period: Duration.seconds(metric.window.periodSeconds),
        }),
        ...threshold,
        evaluationPeriods: metric.window.evaluationPeriods,
        datapointsToAlarm: metric.window.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.unhealthyTargets = alarm(
      'UnhealthyTargetsAlarm',
      'Targets failing GET /health/serving during or after a rollout',
      { metricName: 'UnHealthyHostCount', statistic: 'Maximum', window: UNHEALTHY_TARGETS_WINDOW },
      { threshold: 0, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.target5xx = alarm(
      'Target5xxAlarm',
      'The api answers with 5xx responses',
      { metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', window: TARGET_5XX_WINDOW },
      {
        threshold: props.target5xxThreshold ?? 10,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    );
    // Without it a refresh reports success right after the last warm-up, before the alarms have
    // seen the new fleet for one evaluation window (rollback-timing.ts).
    this.bakeTime = Duration.seconds(bakeTimeSeconds([UNHEALTHY_TARGETS_WINDOW, TARGET_5XX_WINDOW]));
  }

  get alarms(): readonly cloudwatch.Alarm[] {
    return [this.unhealthyTargets, this.target5xx];
  }
}
