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
import type { CommandContext } from './commands.ts';
import { targetOf } from './config.ts';
import { RolloutError } from './errors.ts';
import { findServiceGroup, type ServiceGroup } from './service-group.ts';

/** Where the AMI installs the artifact (templates/image) and its env file (service user data). */
export const MIGRATE_SCRIPT = [
  // User data writes /etc/taskboard/api.env (DATABASE_SECRET_ID, AWS_REGION, ...); wait for it.
  'cloud-init status --wait > /dev/null || true',
  'systemctl stop taskboard-api || true', // this instance never serves; keep it off the database
  'set -a && . /etc/taskboard/api.env && set +a',
  // DATABASE_MIGRATOR_SECRET_ID (the master user's secret, readable only with the runner's profile),
  // absent on stacks from before the api had its own database user.
  'if [ -f /etc/taskboard/migrate.env ]; then set -a && . /etc/taskboard/migrate.env && set +a; fi',
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
 * template version (same security group and user data, so the same database access; the runner's
 * own instance profile when the group names one, the only role that may read the master secret), one SSM
 * Run Command `node migrate.js`, then the instance is terminated whatever happened. The api never
 * migrates on boot in AWS (MIGRATE_ON_START is false), so refreshed instances cannot race.
 * Migrations must be expand-only (docs/migrations-expand-contract.md): old instances keep serving.
 */
export async function runMigrationsOnce(aws: AwsGateway, options: MigrationOptions): Promise<void> {
  const { group, imageId, log } = options;
  const subnetId = group.subnetIds[0];
  if (!subnetId) throw new RolloutError(`group ${group.name} has no subnets to start the migration runner in`);
  if (!group.migrationRunnerProfileArn) {
    log(`migrations: ${group.name} names no migration runner profile; the runner uses the instances' own role`);
  }
  const started = await aws.write<{ Instances?: Instance[] }>(
    'ec2',
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: group.launchTemplateId, Version: group.launchTemplateVersion },
      // Overrides the launch template's profile ("Any additional parameters that you specify for the
      // new instance overwrite the corresponding parameters included in the launch template",
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html): only this
      // instance may read the master user's secret, never the web fleet.
      ...(group.migrationRunnerProfileArn ? { IamInstanceProfile: { Arn: group.migrationRunnerProfileArn } } : {}),
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

/**
 * migrate: applies pending migrations (and sets up the api's database role) with the image the group
 * runs now, without rolling anything out. For a database that is behind its instances: restored from
 * a snapshot, migrated by hand, or a migration fixed after a failed rollout. `deploy` with the image
 * already serving stays a no-op instead: from outside the VPC the tool cannot tell whether the
 * database is behind without starting a runner, and a re-run must stay cheap.
 */
export async function migrate(context: CommandContext, environment: string): Promise<number> {
  const target = targetOf(context.config, environment);
  const group = await findServiceGroup(context.aws, target.instance);
  await runMigrationsOnce(context.aws, {
    group,
    imageId: group.imageId,
    instanceName: target.instance,
    clock: context.clock,
    log: context.log,
  });
  return 0;
}
