import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { AwsGateway } from './aws-gateway.ts';
import { RolloutError } from './errors.ts';

/** The Auto Scaling group of a service stack and the launch template version it runs. */
export interface ServiceGroup {
  readonly name: string;
  readonly launchTemplateId: string;
  /** An explicit version number: the service template points the group at LatestVersionNumber. */
  readonly launchTemplateVersion: string;
  readonly subnetIds: readonly string[];
  /** Image of that launch template version: what CloudFormation last set, and what new instances get. */
  readonly imageId: string;
  /** The group's instances as Auto Scaling reports them (serving.ts tells which image each runs). @default [] */
  readonly instances?: readonly GroupInstance[];
  /** Tag `taskboard:migration-runner-profile`: the runner's own instance profile (templates/service). */
  readonly migrationRunnerProfileArn?: string;
  /** Tag `taskboard:awaiting-migrations`: a first deploy stopped before its migrations (first-deploy.ts). */
  readonly awaitingMigrations: boolean;
}

/** An instance of the group and the launch template version it was launched from. */
export interface GroupInstance {
  readonly id: string;
  /** `InService`, `Pending`, `Terminating`, ... */
  readonly lifecycleState: string;
  /** Absent when the instance was not launched from a launch template version. */
  readonly launchTemplateVersion?: string;
}

/** Group tags the service template sets for the rollout (templates/service migration-runner.ts). */
export const MIGRATION_RUNNER_PROFILE_TAG = 'taskboard:migration-runner-profile';
export const AWAITING_MIGRATIONS_TAG = 'taskboard:awaiting-migrations';

/**
 * Finds the group by the stack tag CloudFormation puts on it, so the tool needs only the stack
 * name, then reads the image of the launch template version the group uses.
 */
export async function findServiceGroup(aws: AwsGateway, stackName: string): Promise<ServiceGroup> {
  const group = await lookupServiceGroup(aws, stackName);
  if (!group) throw new RolloutError(`no Auto Scaling group in stack ${stackName}`);
  return group;
}

/** The group of a service stack, or undefined when the stack (or its group) does not exist yet. */
export async function lookupServiceGroup(aws: AwsGateway, stackName: string): Promise<ServiceGroup | undefined> {
  const groups = await aws.read<{ AutoScalingGroups?: AutoScalingGroup[] }>(
    'autoscaling',
    new DescribeAutoScalingGroupsCommand({
      Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: [stackName] }],
    }),
  );
  const group = groups.AutoScalingGroups?.[0];
  if (!group?.AutoScalingGroupName) return undefined;
  const tag = (key: string): string | undefined => group.Tags?.find((entry) => entry.Key === key)?.Value;
  const template = group.LaunchTemplate;
  if (!template?.LaunchTemplateId || !template.Version) {
    throw new RolloutError(`group ${group.AutoScalingGroupName} does not use a launch template`);
  }
  if (!/^\d+$/.test(template.Version)) {
    throw new RolloutError(
      `group ${group.AutoScalingGroupName} uses launch template version ${template.Version}; ` +
        'an explicit version number is required (instance refresh rollback does not work with $Latest/$Default)',
    );
  }
  const versions = await aws.read<{ LaunchTemplateVersions?: LaunchTemplateVersion[] }>(
    'ec2',
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: template.LaunchTemplateId,
      Versions: [template.Version],
    }),
  );
  const imageId = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
  if (!imageId) {
    throw new RolloutError(`launch template ${template.LaunchTemplateId} version ${template.Version} has no image`);
  }
  return {
    name: group.AutoScalingGroupName,
    launchTemplateId: template.LaunchTemplateId,
    launchTemplateVersion: template.Version,
    subnetIds: (group.VPCZoneIdentifier ?? '').split(',').filter((id) => id !== ''),
    imageId,
    instances: (group.Instances ?? []).map((instance) => ({
      id: instance.InstanceId ?? '',
      lifecycleState: instance.LifecycleState ?? '',
      ...(instance.LaunchTemplate?.Version ? { launchTemplateVersion: instance.LaunchTemplate.Version } : {}),
    })),
    ...(tag(MIGRATION_RUNNER_PROFILE_TAG) ? { migrationRunnerProfileArn: tag(MIGRATION_RUNNER_PROFILE_TAG)! } : {}),
    awaitingMigrations: tag(AWAITING_MIGRATIONS_TAG) === 'true',
  };
}
