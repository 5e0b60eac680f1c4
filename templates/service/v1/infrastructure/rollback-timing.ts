/**
 * The rollback alarms' evaluation windows and the instance refresh bake time derived from them.
 * An instance refresh fails (and CloudFormation rolls the stack back) when one of its alarms goes to
 * ALARM while it runs; the bake time keeps it running after the last instance is replaced, so the
 * alarms see the fully new fleet for at least one whole evaluation window before it reports success.
 */

/** One alarm's evaluation: `datapointsToAlarm` breaching periods out of the last `evaluationPeriods`. */
export interface AlarmWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/**
 * Unhealthy targets: 2 of the last 3 minutes. A target of a broken image goes unhealthy, is
 * replaced after the grace period and its successor goes unhealthy again, so the count flips
 * between 0 and 1; "2 of 3" fires on that, "3 in a row" might never.
 */
export const UNHEALTHY_TARGETS_WINDOW: AlarmWindow = { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 };

/** Target 5xx: 2 minutes in a row at or above the spec's threshold. */
export const TARGET_5XX_WINDOW: AlarmWindow = { periodSeconds: 60, evaluationPeriods: 2, datapointsToAlarm: 2 };

/**
 * Elastic Load Balancing sends its metrics in 60-second intervals, so a minute's datapoint exists
 * only after the minute has passed; CloudWatch then evaluates alarms of one-minute periods once a
 * minute. Together: up to two minutes between a breach and the alarm seeing it.
 */
export const ELB_METRIC_INTERVAL_SECONDS = 60;
export const ALARM_EVALUATION_INTERVAL_SECONDS = 60;

/** BakeTime of AWS::AutoScaling::AutoScalingGroup UpdatePolicy AutoScalingInstanceRefresh (0–172800). */
export const MAX_BAKE_TIME_SECONDS = 172_800;

/** The longest alarm window plus the delay before a breach can show in it. */
export function bakeTimeSeconds(windows: readonly AlarmWindow[]): number {
  if (windows.length === 0) throw new Error('bake time: no rollback alarms to wait for');
  const longest = Math.max(...windows.map((w) => w.periodSeconds * w.evaluationPeriods));
  const bake = longest + ELB_METRIC_INTERVAL_SECONDS + ALARM_EVALUATION_INTERVAL_SECONDS;
  if (bake > MAX_BAKE_TIME_SECONDS) {
    throw new Error(`bake time: ${bake} s exceeds the instance refresh maximum of ${MAX_BAKE_TIME_SECONDS} s`);
  }
  return bake;
}
