import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { API_METRICS_NAMESPACE } from './service-dashboard.ts';

/**
 * Multiwindow, multi-burn-rate alerting for a 30-day objective, with the parameters the Google SRE
 * Workbook recommends as a starting point ("Alerting on SLOs", Table 5-8,
 * https://sre.google/workbook/alerting-on-slos/): a burn rate of 14.4 over 1 hour (2 % of the
 * budget) confirmed over 5 minutes, and 6 over 6 hours (5 %) confirmed over 30 minutes. The short
 * window (1/12 of the long one) makes the alarm reset soon after the burning stops.
 */
export const BURN_RATE_POLICIES = [
  { name: 'fast', burnRate: 14.4, longWindow: Duration.hours(1), shortWindow: Duration.minutes(5) },
  { name: 'slow', burnRate: 6, longWindow: Duration.hours(6), shortWindow: Duration.minutes(30) },
] as const;

/** The latency objective is on the 99th percentile: 1 % of requests may be slower than the threshold. */
export const LATENCY_OBJECTIVE_PERCENT = 99;

export interface SloAlarmsProps {
  /** The `Service` dimension of the api's metrics: its OTEL_SERVICE_NAME. */
  readonly serviceName: string;
  /** Prefix of the alarm names (the service instance's name); the topic's policies match `<prefix>-slo-*`. */
  readonly alarmNamePrefix: string;
  /** Share of requests answered without a 5xx over 30 days, in percent (e.g. 99.9). */
  readonly availabilityObjectivePercent: number;
  /** 99 % of requests complete within this many milliseconds (the api's Latency metric). */
  readonly latencyThresholdMs: number;
  /** Where the composite alarms notify (ALARM and OK): the lifecycle notification topic. */
  readonly topic: sns.ITopic;
}

/**
 * SLO alarms on availability (1 - Errors5xx / Requests) and p99 latency (share of requests slower
 * than the threshold, from the Latency distribution's percentile rank), each as two composite
 * alarms: fast burn and slow burn. Each window is one metric-math alarm whose period is the window
 * (CloudWatch has no rolling sum over several periods) evaluating the burn rate, the error ratio
 * divided by the error budget; a composite alarm ANDs the long and the short window and is the only
 * one with actions, so one incident notifies once per policy.
 *
 * CloudWatch constraints (PutMetricAlarm, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html):
 * a period is 10, 20, 30 or a multiple of 60 seconds; period x evaluation periods is at most 7 days,
 * and at most 1 day for periods under an hour, so one 6-hour period is allowed. A metric-math alarm
 * may reference at most 10 metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html);
 * these use two or one. No requests in a window is no data, which is not breaching.
 */
export class SloAlarms extends Construct {
  /** The four alarms with actions: availability and latency, fast and slow burn. */
  readonly compositeAlarms: cloudwatch.CompositeAlarm[] = [];
  /** The eight window alarms the composites combine (no actions of their own). */
  readonly windowAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    const objective = props.availabilityObjectivePercent;
    if (!(objective >= 90 && objective < 100)) {
      throw new Error(`SloAlarms: availabilityObjectivePercent must be at least 90 and below 100, got ${objective}`);
    }
    if (!Number.isInteger(props.latencyThresholdMs) || props.latencyThresholdMs < 1) {
      throw new Error(`SloAlarms: latencyThresholdMs must be a positive integer, got ${props.latencyThresholdMs}`);
    }
    if (!Token.isUnresolved(props.alarmNamePrefix) && !/^[A-Za-z0-9_-]+$/.test(props.alarmNamePrefix)) {
      throw new Error(
        `SloAlarms: alarmNamePrefix may contain only letters, digits, "-" and "_", got "${props.alarmNamePrefix}"`,
      );
    }
    // As a fraction, rounded: 100 - 99.9 is 0.0999999... in floating point.
    const availabilityBudget = round((100 - objective) / 100);
    const latencyBudgetPercent = 100 - LATENCY_OBJECTIVE_PERCENT;
    const dimensionsMap = { Service: props.serviceName };
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: API_METRICS_NAMESPACE, metricName, dimensionsMap, statistic });

    const indicators = [
      {
        key: 'availability',
        title: 'Availability',
        objective: `${objective} % of requests without a 5xx`,
        burnRate: (window: Duration) =>
          new cloudwatch.MathExpression({
            // FILL: a window with requests but no 5xx has no Errors5xx datapoint.
            expression: `(FILL(errors, 0) / requests) / ${availabilityBudget}`,
            usingMetrics: { errors: metric('Errors5xx', 'Sum'), requests: metric('Requests', 'Sum') },
            period: window,
            label: 'availability burn rate',
          }),
      },
      {
        key: 'latency',
        title: 'Latency p99',
        objective: `${LATENCY_OBJECTIVE_PERCENT} % of requests within ${props.latencyThresholdMs} ms`,
        burnRate: (window: Duration) =>
          new cloudwatch.MathExpression({
            // PR(:T) is the percentage of requests that took at most T ms; the rest spend the budget.
            expression: `(100 - within) / ${latencyBudgetPercent}`,
            usingMetrics: { within: metric('Latency', cloudwatch.Stats.percentileRank(props.latencyThresholdMs)) },
            period: window,
            label: 'latency burn rate',
          }),
      },
    ];

    for (const indicator of indicators) {
      for (const policy of BURN_RATE_POLICIES) {
        const windowAlarm = (which: 'long' | 'short', window: Duration) => {
          const alarm = new cloudwatch.Alarm(
            this,
            `${capitalize(indicator.key)}${capitalize(policy.name)}${capitalize(which)}`,
            {
              alarmName: `${props.alarmNamePrefix}-slo-${indicator.key}-${policy.name}-burn-${shortLabel(window)}`,
              alarmDescription:
                `${indicator.title} SLO (${indicator.objective}, 30 days): error budget burn rate over the last ` +
                `${window.toHumanString()} is above ${policy.burnRate}. No actions: part of the ${policy.name}-burn composite alarm.`,
              metric: indicator.burnRate(window),
              threshold: policy.burnRate,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
              evaluationPeriods: 1,
              datapointsToAlarm: 1,
              treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            },
          );
          this.windowAlarms.push(alarm);
          return alarm;
        };
        const long = windowAlarm('long', policy.longWindow);
        const short = windowAlarm('short', policy.shortWindow);
        const budgetSpent = Math.round(((policy.burnRate * policy.longWindow.toHours()) / (30 * 24)) * 100);
        const composite = new cloudwatch.CompositeAlarm(
          this,
          `${capitalize(indicator.key)}${capitalize(policy.name)}Burn`,
          {
            compositeAlarmName: `${props.alarmNamePrefix}-slo-${indicator.key}-${policy.name}-burn`,
            alarmDescription:
              `${indicator.title} SLO (${indicator.objective}, 30 days) is burning its error budget ${policy.burnRate}x ` +
              `too fast over both ${policy.longWindow.toHumanString()} and ${policy.shortWindow.toHumanString()}: ` +
              `${budgetSpent} % of the monthly budget spent in ${policy.longWindow.toHumanString()}. ` +
              'See docs/operations.md and the service dashboard.',
            alarmRule: cloudwatch.AlarmRule.allOf(
              cloudwatch.AlarmRule.fromAlarm(long, cloudwatch.AlarmState.ALARM),
              cloudwatch.AlarmRule.fromAlarm(short, cloudwatch.AlarmState.ALARM),
            ),
          },
        );
        composite.addAlarmAction(new actions.SnsAction(props.topic));
        composite.addOkAction(new actions.SnsAction(props.topic));
        this.compositeAlarms.push(composite);
      }
    }
  }
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** 1h, 6h, 5m, 30m. */
function shortLabel(window: Duration): string {
  const minutes = window.toMinutes();
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
