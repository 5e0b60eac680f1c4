import { RunInstancesCommand, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type Command,
  type GetCommandInvocationCommandOutput,
  type InstanceInformation,
} from '@aws-sdk/client-ssm';
import type { AwsGateway } from './aws-gateway.ts';
import { pollUntil, type Clock } from './clock.ts';
import { RolloutError, type ServiceGroup } from './service-group.ts';

/** Where the AMI installs the artifact (templates/image) and its env file (service user data). */
export const MIGRATE_SCRIPT = [
  // User data writes /etc/taskboard/api.env (DATABASE_SECRET_ID, AWS_REGION, ...); wait for it.
  'cloud-init status --wait > /dev/null || true',
  'systemctl stop taskboard-api || true', // this instance never serves; keep it off the database
  'set -a && . /etc/taskboard/api.env && set +a',
  'exec /usr/bin/node /opt/taskboard/api/migrate.js',
];

export interface MigrationOptions {
  readonly group: ServiceGroup;
  readonly imageId: string;
  /** Service instance name, for the runner's Name tag. */
  readonly instanceName: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** @default 600_000 */
  readonly agentTimeoutMs?: number;
  /** @default 900 */
  readonly commandTimeoutSeconds?: number;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
}

const RUNNING_COMMAND = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

/**
 * Runs the new artifact's migrations exactly once per rollout, before CloudFormation starts the
 * instance refresh: one short-lived instance from the NEW image and the group's current launch
 * template version (same role, security group, user data, so the same database access), one SSM
 * Run Command `node migrate.js`, then the instance is terminated whatever happened. The api never
 * migrates on boot in AWS (MIGRATE_ON_START is false), so refreshed instances cannot race.
 * Migrations must be expand-only (docs/migrations-expand-contract.md): old instances keep serving.
 */
export async function runMigrationsOnce(aws: AwsGateway, options: MigrationOptions): Promise<void> {
  const { group, imageId, log } = options;
  const subnetId = group.subnetIds[0];
  if (!subnetId) throw new RolloutError(`group ${group.name} has no subnets to start the migration runner in`);
  const started = await aws.write<{ Instances?: Instance[] }>(
    'ec2',
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: group.launchTemplateId, Version: group.launchTemplateVersion },
      ImageId: imageId,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'Name', Value: `${options.instanceName}-migrate` },
            { Key: 'taskboard:purpose', Value: 'migration' },
            { Key: 'taskboard:image', Value: imageId },
          ],
        },
      ],
    }),
  );
  if (aws.dryRun) {
    await planDryRun(aws, options);
    return;
  }
  const instanceId = started?.Instances?.[0]?.InstanceId;
  if (!instanceId) throw new RolloutError('RunInstances returned no instance for the migration runner');
  log(`migrations: runner ${instanceId} started from ${imageId}`);
  try {
    await waitForAgent(aws, instanceId, options);
    const sent = await aws.write<{ Command?: Command }>('ssm', sendMigrateCommand([instanceId], options));
    const commandId = sent?.Command?.CommandId;
    if (!commandId) throw new RolloutError('SendCommand returned no command id');
    const result = await waitForCommand(aws, commandId, instanceId, options);
    if (result.Status !== 'Success') {
      const output = (result.StandardErrorContent || result.StandardOutputContent || '').trim();
      throw new RolloutError(`migrations ${result.Status ?? 'failed'}: ${output || 'no output'}`);
    }
    log(`migrations: ${(result.StandardOutputContent ?? '').trim() || 'done'}`);
  } finally {
    await aws.write('ec2', new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    log(`migrations: runner ${instanceId} terminated`);
  }
}

function sendMigrateCommand(instanceIds: string[], options: MigrationOptions): SendCommandCommand {
  const timeout = options.commandTimeoutSeconds ?? 900;
  return new SendCommandCommand({
    InstanceIds: instanceIds,
    DocumentName: 'AWS-RunShellScript',
    Comment: `taskboard migrations for ${options.imageId}`,
    Parameters: { commands: MIGRATE_SCRIPT, executionTimeout: [String(timeout)] },
    TimeoutSeconds: 600,
  });
}

/** In dry-run no runner exists: print the command with a placeholder id, and the clean-up. */
async function planDryRun(aws: AwsGateway, options: MigrationOptions): Promise<void> {
  await aws.write('ssm', sendMigrateCommand(['<runner-instance-id>'], options));
  await aws.write('ec2', new TerminateInstancesCommand({ InstanceIds: ['<runner-instance-id>'] }));
}

async function waitForAgent(aws: AwsGateway, instanceId: string, options: MigrationOptions): Promise<void> {
  const online = await pollUntil(
    options.clock,
    { intervalMs: options.pollIntervalMs ?? 5000, timeoutMs: options.agentTimeoutMs ?? 600_000 },
    async () => {
      const info = await aws.read<{ InstanceInformationList?: InstanceInformation[] }>(
        'ssm',
        new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
      );
      return info.InstanceInformationList?.[0]?.PingStatus === 'Online' ? true : undefined;
    },
  );
  if (!online) throw new RolloutError(`migration runner ${instanceId} never registered with SSM`);
}

async function waitForCommand(
  aws: AwsGateway,
  commandId: string,
  instanceId: string,
  options: MigrationOptions,
): Promise<GetCommandInvocationCommandOutput> {
  for (;;) {
    await options.clock.sleep(options.pollIntervalMs ?? 5000);
    try {
      const result = await aws.read<GetCommandInvocationCommandOutput>(
        'ssm',
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
      if (!RUNNING_COMMAND.has(result.Status ?? '')) return result;
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if ((error as { name?: string }).name !== 'InvocationDoesNotExist') throw error;
    }
  }
}
