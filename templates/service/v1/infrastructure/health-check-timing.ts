/**
 * The target group health check and the time relations around it. One target group both routes
 * traffic and, through the group's ELB health checks, decides which instances Auto Scaling
 * replaces, so its check is the api's GET /health/serving: it fails only for a process that has not
 * passed readiness since it started, is draining, or does not answer in time (templates/README.md,
 * "Health checks").
 */

/** The api's load balancer check (packages/api/src/plugins/health.ts). */
export const HEALTH_CHECK_PATH = '/health/serving';

/** Consecutive passes before a target is healthy again. */
export const HEALTHY_THRESHOLD = 2;

/** RestartSec= of packages/api/deploy/taskboard-api.service (a test keeps the two equal). */
export const API_RESTART_SEC = 2;

/**
 * Time a restarted api needs to pass /health/serving: Node start-up, reading the secret, the first
 * query and the migrations check. docs/benchmarks.md measured 1.1–4.7 s to ready; twice the worst.
 */
export const API_START_UP_ALLOWANCE_SECONDS = 10;

/** Launch to a running api: boot, user data (CloudWatch agent, unit start). Generous on purpose. */
export const INSTANCE_START_ALLOWANCE_SECONDS = 60;

export interface HealthCheckTiming {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** Longest a crashed api is away before systemd has it serving again. */
  readonly restartOutageSeconds: number;
  /**
   * Longest the load balancer keeps routing to a process that started draining without being
   * deregistered (a plain `systemctl restart`): unhealthyThreshold failed checks, the last one
   * possibly timing out. The api must keep serving at least this long after SIGTERM.
   */
  readonly drainDetectionSeconds: number;
  /** Shortest health check grace period that lets a healthy new instance pass before Auto Scaling judges it. */
  readonly minimumGracePeriodSeconds: number;
}

/**
 * Thresholds from the interval. The unhealthy threshold is the smallest that a crash and systemd
 * restart cannot reach: a restart outage of R seconds spans at most ceil(R / interval) checks, so
 * ceil(R / interval) + 1 consecutive failures can only come from a process that stays down. A
 * healthy instance whose api crashed and came back is therefore never replaced.
 */
export function healthCheckTiming(intervalSeconds: number): HealthCheckTiming {
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 5 || intervalSeconds > 300) {
    throw new Error(`spec.health_check_interval_seconds: must be an integer from 5 to 300, got ${intervalSeconds}`);
  }
  // The ALB requires the timeout to be shorter than the interval.
  const timeoutSeconds = Math.min(5, intervalSeconds - 1);
  const restartOutageSeconds = API_RESTART_SEC + API_START_UP_ALLOWANCE_SECONDS;
  // At most 4 for intervals of 5 s or more: inside the ALB's 2–10 (a test walks every interval).
  const unhealthyThreshold = Math.max(2, Math.ceil(restartOutageSeconds / intervalSeconds) + 1);
  return {
    intervalSeconds,
    timeoutSeconds,
    healthyThreshold: HEALTHY_THRESHOLD,
    unhealthyThreshold,
    restartOutageSeconds,
    drainDetectionSeconds: unhealthyThreshold * intervalSeconds + timeoutSeconds,
    minimumGracePeriodSeconds: INSTANCE_START_ALLOWANCE_SECONDS + HEALTHY_THRESHOLD * intervalSeconds,
  };
}

/** Rejects a grace period so short that Auto Scaling replaces healthy new instances before they pass. */
export function validateGracePeriod(gracePeriodSeconds: number, timing: HealthCheckTiming): void {
  if (gracePeriodSeconds < timing.minimumGracePeriodSeconds) {
    throw new Error(
      `spec.health_check_grace_period_seconds (${gracePeriodSeconds}) is shorter than a new instance needs to ` +
        `pass the health check (${INSTANCE_START_ALLOWANCE_SECONDS} s to boot and start the api + ` +
        `${timing.healthyThreshold} × ${timing.intervalSeconds} s): use at least ${timing.minimumGracePeriodSeconds}`,
    );
  }
}
