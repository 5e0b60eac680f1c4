import { DescribeInstanceRefreshesCommand, type InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import type { AwsGateway } from './aws-gateway.ts';
import { pollUntil, type Clock } from './clock.ts';

/** Statuses after which an instance refresh changes no more. */
const FINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export type FollowOutcome =
  | { readonly ok: true; readonly refresh: InstanceRefresh }
  | { readonly ok: false; readonly reason: string; readonly refresh?: InstanceRefresh };

export interface FollowOptions {
  readonly groupName: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Follow this refresh; without it, the first one newer than `previousRefreshId`. */
  readonly instanceRefreshId?: string;
  /**
   * The group's newest refresh before this rollout began (compared by id, not by start time, so
   * a clock skew between this machine and AWS cannot hide the new refresh).
   */
  readonly previousRefreshId?: string;
  /** Stop waiting (exit non-zero, the refresh goes on) after this long. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /** Polled while no refresh has appeared; true stops waiting (e.g. the stack update ended without one). */
  readonly noRefreshExpected?: () => boolean;
}

/** `[InProgress] 50% | 1 instance(s) left | Waiting for checkpoint...` */
export function progressLine(refresh: InstanceRefresh): string {
  const parts = [`[${refresh.Status ?? 'Unknown'}]`, `${refresh.PercentageComplete ?? 0}%`];
  if (refresh.InstancesToUpdate !== undefined) parts.push(`${refresh.InstancesToUpdate} instance(s) left`);
  if (refresh.StatusReason) parts.push(refresh.StatusReason);
  return parts.join(' | ');
}

/** Why a refresh that ended badly ended, in one line. */
export function failureReason(refresh: InstanceRefresh): string {
  const rollback = refresh.RollbackDetails?.RollbackReason;
  const reason = [refresh.StatusReason, rollback && `rollback: ${rollback}`].filter(Boolean).join('; ');
  return `instance refresh ${refresh.InstanceRefreshId ?? ''} ended ${refresh.Status}${reason ? `: ${reason}` : ''}`;
}

async function latestRefreshes(aws: AwsGateway, options: FollowOptions): Promise<InstanceRefresh[]> {
  const result = await aws.read<{ InstanceRefreshes?: InstanceRefresh[] }>(
    'autoscaling',
    new DescribeInstanceRefreshesCommand({
      AutoScalingGroupName: options.groupName,
      ...(options.instanceRefreshId ? { InstanceRefreshIds: [options.instanceRefreshId] } : { MaxRecords: 5 }),
    }),
  );
  return result.InstanceRefreshes ?? [];
}

function pick(refreshes: InstanceRefresh[], options: FollowOptions): InstanceRefresh | undefined {
  if (options.instanceRefreshId) return refreshes.find((r) => r.InstanceRefreshId === options.instanceRefreshId);
  // Newest first (the API's order). Once found, the refresh is followed by id: a rollback that
  // CloudFormation starts afterwards is another refresh and does not replace it.
  const newest = refreshes[0];
  return newest && newest.InstanceRefreshId !== options.previousRefreshId ? newest : undefined;
}

/**
 * Polls DescribeInstanceRefreshes and prints a line whenever progress changes, until the refresh
 * is Successful (ok) or ends Failed / Cancelled / Rollback* (not ok, with the reason), or the
 * timeout passes (not ok; the refresh itself goes on and CloudFormation still owns the outcome).
 */
export async function followRefresh(aws: AwsGateway, options: FollowOptions): Promise<FollowOutcome> {
  const { clock, log } = options;
  let refreshId = options.instanceRefreshId;
  let lastLine = '';
  let refresh: InstanceRefresh | undefined;
  const outcome = await pollUntil(
    clock,
    { intervalMs: options.pollIntervalMs, timeoutMs: options.timeoutMs },
    async (): Promise<FollowOutcome | undefined> => {
      refresh = pick(await latestRefreshes(aws, { ...options, instanceRefreshId: refreshId }), options);
      if (refresh) {
        refreshId = refresh.InstanceRefreshId;
        const line = progressLine(refresh);
        if (line !== lastLine) log(line);
        lastLine = line;
        if (FINAL.has(refresh.Status ?? '')) {
          return refresh.Status === 'Successful'
            ? { ok: true, refresh }
            : { ok: false, reason: failureReason(refresh), refresh };
        }
      } else if (options.noRefreshExpected?.()) {
        return { ok: false, reason: 'no instance refresh started' };
      }
      return undefined;
    },
  );
  if (outcome) return outcome;
  const minutes = Math.round(options.timeoutMs / 60_000);
  return {
    ok: false,
    reason: refresh
      ? `timed out after ${minutes} min; instance refresh ${refresh.InstanceRefreshId} is still ${refresh.Status}`
      : `timed out after ${minutes} min waiting for an instance refresh of ${options.groupName}`,
    ...(refresh ? { refresh } : {}),
  };
}
