import type { ServiceInputs } from './service-inputs.ts';

/**
 * The highest group-average CPUUtilization (percent) a scaling threshold may ask for.
 *
 * The api runs one worker process per vCPU (API_WORKERS=auto, written to the instance's env file by
 * user-data.ts), so an instance can use every vCPU: a saturated instance sits at 95–100 %. A
 * threshold has to be met by the *group average* over a whole minute, though: the load balancer
 * spreads connections, not CPU, so instances differ by several points; workers wait on PostgreSQL
 * round trips; and each worker sheds load (503) once its event loop is 98 % busy
 * (OVERLOAD_MAX_EVENT_LOOP_UTILIZATION). 90 % is the highest average a busy group reliably shows
 * before it sheds. With the single process of before (one of two vCPUs), the ceiling was about
 * 50–60 %, which left step scaling at 80 % and 95 % unable to ever fire.
 */
export const REACHABLE_CPU_PERCENT = 90;

/** Scale-out thresholds above REACHABLE_CPU_PERCENT, as precise messages (empty when all are reachable). */
export function unreachableCpuThresholds(inputs: ServiceInputs): string[] {
  const problems: string[] = [];
  if (inputs.cpu_target_utilization_percent > REACHABLE_CPU_PERCENT) {
    problems.push(
      `spec.cpu_target_utilization_percent (${inputs.cpu_target_utilization_percent}) is above ` +
        `${REACHABLE_CPU_PERCENT}, the highest average CPU a group reaches before its api sheds load`,
    );
  }
  inputs.step_scaling_steps.forEach((step, index) => {
    // A scale-out interval fires when CPU rises past its lower bound.
    if (step.change > 0 && step.lower !== undefined && step.lower > REACHABLE_CPU_PERCENT) {
      problems.push(
        `spec.step_scaling_steps.${index}.lower (${step.lower}) is above ${REACHABLE_CPU_PERCENT}, the highest ` +
          'average CPU a group reaches before its api sheds load: this step could never fire',
      );
    }
  });
  return problems;
}
