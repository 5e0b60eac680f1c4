import { Tags } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type { MigrationRunnerRole } from './instance-role.ts';
import type { ServiceInputs } from './service-inputs.ts';

/**
 * Tags on the Auto Scaling group that tell the rollout (tools/rollout) how to migrate. Not
 * propagated to instances. The rollout already reads the group (DescribeAutoScalingGroups returns its
 * tags), so it needs no CloudFormation permissions to find them.
 */
/** The instance profile the migration runner must be started with (RunInstances IamInstanceProfile). */
export const MIGRATION_RUNNER_PROFILE_TAG = 'taskboard:migration-runner-profile';
/** Present while the stack runs no instances because the database has not been migrated yet. */
export const AWAITING_MIGRATIONS_TAG = 'taskboard:awaiting-migrations';

export interface GroupCapacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCapacity?: number;
}

/**
 * The group's size. `awaitingMigrations` (the first deploy's first step, `synth --awaiting-migrations`)
 * forces 0/0/0 without touching the spec: the stack, its launch template and the runner's profile
 * exist, but no instance starts against an empty database (the start-up-gated health check would
 * fail it and Auto Scaling would replace it in a loop).
 */
export function groupCapacity(inputs: ServiceInputs, awaitingMigrations: boolean): GroupCapacity {
  if (awaitingMigrations) return { minCapacity: 0, maxCapacity: 0, desiredCapacity: 0 };
  return {
    minCapacity: inputs.min_capacity,
    maxCapacity: inputs.max_capacity,
    ...(inputs.desired_capacity !== undefined ? { desiredCapacity: inputs.desired_capacity } : {}),
  };
}

/** Scheduled actions could raise the size of a group that must stay empty: none until migrated. */
export function scalingInputs(inputs: ServiceInputs, awaitingMigrations: boolean): ServiceInputs {
  return awaitingMigrations ? { ...inputs, scheduled_actions: [] } : inputs;
}

export function tagForRollout(
  group: autoscaling.AutoScalingGroup,
  runner: MigrationRunnerRole | undefined,
  awaitingMigrations: boolean,
): void {
  // Only on the group itself: Tags.of() would also reach its children (the step scaling alarms).
  const onGroupOnly = { applyToLaunchedInstances: false, includeResourceTypes: ['AWS::AutoScaling::AutoScalingGroup'] };
  if (runner) Tags.of(group).add(MIGRATION_RUNNER_PROFILE_TAG, runner.instanceProfile.instanceProfileArn, onGroupOnly);
  if (awaitingMigrations) Tags.of(group).add(AWAITING_MIGRATIONS_TAG, 'true', onGroupOnly);
}
