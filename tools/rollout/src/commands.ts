import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import type { AwsGateway } from './aws-gateway.ts';
import type { Clock } from './clock.ts';
import { targetOf, type EnvironmentTarget, type RolloutConfig } from './config.ts';
import { followRefresh, progressLine } from './follow-refresh.ts';
import { runMigrationsOnce } from './migrations.ts';
import { firstDeploy, needsFirstDeploy } from './first-deploy.ts';
import { resolveImage } from './resolve-image.ts';
import { RolloutError } from './errors.ts';
import { findServiceGroup, lookupServiceGroup, type ServiceGroup } from './service-group.ts';
import { describeServing, servingImages } from './serving.ts';
import { amiIdOf, setAmiId } from './spec-file.ts';
import {
  deployInvocation,
  runOrPrint,
  synthInvocation,
  type CommandRunner,
  type StackDeployOptions,
} from './stack-deploy.ts';

export interface CommandContext {
  readonly aws: AwsGateway;
  readonly config: RolloutConfig;
  readonly clock: Clock;
  readonly runner: CommandRunner;
  readonly log: (line: string) => void;
}

export interface DeployOptions {
  readonly environment: string;
  /** `ami-...` or `latest`. */
  readonly ami: string;
  readonly environmentOutputs: string;
  readonly skipMigrations?: boolean;
}

/** Statuses in which `rollback` cancels the refresh. */
const ACTIVE = new Set(['Pending', 'InProgress', 'Baking']);
/** Statuses in which a refresh still changes instances: a cancel or a rollback is already under way. */
const WINDING_DOWN = new Set(['Cancelling', 'RollbackInProgress']);

/**
 * deploy: resolve the image -> migrate once (new artifact, one runner) -> set ami_id in the spec ->
 * synthesize -> `cdk deploy`, while following the instance refresh CloudFormation starts. The
 * launch template version belongs to the service template (docs/decisions/0007): this command
 * never creates launch template versions or starts refreshes, so a later `cdk deploy` of the
 * committed spec changes nothing. Returns the process exit code.
 */
export async function deploy(context: CommandContext, options: DeployOptions): Promise<number> {
  const { aws, config, clock, log } = context;
  const target = targetOf(config, options.environment);
  const found = await lookupServiceGroup(aws, target.instance);
  // No stack yet, or a first deploy that stopped before its migrations: first-deploy.ts.
  if (needsFirstDeploy(found)) return firstDeploy(context, options, found);
  const group = found!;
  const imageId = await resolveImage(aws, options.ami, config.latestImageParameter);
  log(
    `${target.instance}: group ${group.name} runs ${group.imageId} (launch template version ${group.launchTemplateVersion})`,
  );
  // A refresh under way (a deploy still running, or its cancel or rollback) owns the instances and the
  // stack update: CloudFormation would refuse another update, and what serves is about to change.
  const previous = await latestRefresh(aws, group.name);
  if (previous && (ACTIVE.has(previous.Status ?? '') || WINDING_DOWN.has(previous.Status ?? ''))) {
    throw new RolloutError(
      `instance refresh ${previous.InstanceRefreshId} of ${group.name} is ${previous.Status} (${progressLine(previous)}); ` +
        `wait for it (\`status --env ${options.environment}\`) or cancel it (\`rollback --env ${options.environment}\`), then deploy again`,
    );
  }
  const specPath = join(config.serviceTemplateDir, target.specFile);
  const specText = readFileSync(specPath, 'utf8');
  const updatedSpec = setAmiId(specText, target.instance, imageId);
  const previousRefreshId = previous?.InstanceRefreshId;
  const rollout: StackRollout = {
    ...options,
    group,
    imageId,
    target,
    ...(previousRefreshId ? { previousRefreshId } : {}),
  };
  if (imageId === group.imageId) {
    // CloudFormation already has this image: a deploy changes nothing and starts no refresh.
    const serving = await servingImages(aws, group);
    if (!serving.uniform) {
      throw new RolloutError(
        `${group.name} launches ${imageId} (launch template version ${group.launchTemplateVersion}) but ` +
          `${describeServing(serving)}, with no instance refresh in progress: deploying ${imageId} changes nothing ` +
          'in CloudFormation, so it cannot replace the others. Deploy another image, or start an instance ' +
          'refresh of the group with SkipMatching (it keeps the launch template version) and deploy again',
      );
    }
    if (updatedSpec === specText) {
      log(`${target.instance}: already running ${imageId}; nothing to roll out`);
      return 0;
    }
    return repairRecord(context, { ...rollout, specPath, specText, updatedSpec });
  }
  log(`${target.instance}: rolling out ${imageId}`);

  if (config.migrations && !options.skipMigrations) {
    await runMigrationsOnce(aws, { group, imageId, instanceName: target.instance, clock, log });
  }

  if (aws.dryRun) log(`[dry-run] would set ami_id: ${imageId} for ${target.instance} in ${specPath}`);
  if (aws.dryRun || updatedSpec === specText) return deployStack(context, rollout);
  writeFileSync(specPath, updatedSpec);
  let code: number | undefined;
  try {
    code = await deployStack(context, rollout);
    return code;
  } finally {
    // The spec in the working copy must say what runs: after a failed rollout that is still the old
    // image (CloudFormation rolled back), and a later `cdk deploy` must not re-apply the failed one.
    if (code !== 0) {
      writeFileSync(specPath, specText);
      log(`restored ami_id in ${specPath}: the rollout of ${imageId} did not succeed`);
    }
  }
}

interface StackRollout extends DeployOptions {
  readonly group: ServiceGroup;
  readonly imageId: string;
  readonly target: EnvironmentTarget;
  /** The group's newest refresh before this deploy: a newer one is CloudFormation's for this deploy. */
  readonly previousRefreshId?: string;
}

function stackOptions(context: CommandContext, options: StackRollout): StackDeployOptions {
  return {
    serviceTemplateDir: context.config.serviceTemplateDir,
    specFile: options.target.specFile,
    instance: options.target.instance,
    region: context.config.region,
    environmentOutputs: options.environmentOutputs,
    cdkCommand: context.config.cdkCommand,
  };
}

interface RecordRepair extends StackRollout {
  readonly specPath: string;
  readonly specText: string;
  readonly updatedSpec: string;
}

/**
 * The group serves the image on every instance but the spec records another: the commit of an earlier
 * rollout was lost (a re-run of that deploy, or `rollback --to` an image already back). Writes the image
 * in service to the spec, skips migrations (they ran when it was rolled out) and deploys the stack,
 * which CloudFormation finds unchanged: no refresh is expected. Should the stack still differ (a change
 * made outside the spec), the refresh it starts is followed like any rollout's.
 */
async function repairRecord(context: CommandContext, options: RecordRepair): Promise<number> {
  const { aws, log } = context;
  const { group, imageId, target, specPath } = options;
  const recorded = amiIdOf(options.specText, target.instance);
  log(
    `${target.instance}: ${group.name} already serves ${imageId} on every instance, but ${specPath} records ` +
      `${recorded}; repairing the record (no migrations; CloudFormation has nothing to roll out)`,
  );
  if (aws.dryRun) log(`[dry-run] would set ami_id: ${imageId} for ${target.instance} in ${specPath}`);
  // Kept whatever follows: it now says what runs.
  else writeFileSync(specPath, options.updatedSpec);
  const stack = stackOptions(context, options);
  const synthCode = await runOrPrint(context, synthInvocation(stack));
  if (synthCode !== 0) throw new RolloutError(`synth failed (exit ${synthCode})`);
  const code = await runOrPrint(context, deployInvocation(stack));
  if (code !== 0) {
    log(`repair failed: cdk deploy exited ${code}; ${specPath} records ${imageId}, the image in service`);
    return 1;
  }
  const after = aws.dryRun ? undefined : await latestRefresh(aws, group.name);
  if (after?.InstanceRefreshId && after.InstanceRefreshId !== options.previousRefreshId) {
    log(`the stack differed from the spec: CloudFormation started instance refresh ${after.InstanceRefreshId}`);
    const outcome = await followToTheEnd(context, group.name, after.InstanceRefreshId);
    if (!outcome.ok) {
      log(`repair failed: ${outcome.reason}`);
      return 1;
    }
  }
  log(`${target.instance}: repaired the record: ami_id ${imageId} in ${specPath} (was ${recorded})`);
  return 0;
}

/** Synthesize and `cdk deploy` the spec as it now reads, following the refresh CloudFormation starts. */
async function deployStack(context: CommandContext, options: StackRollout): Promise<number> {
  const { aws, config, clock, log } = context;
  const { group, imageId, target, previousRefreshId } = options;
  const stack = stackOptions(context, options);
  const synthCode = await runOrPrint(context, synthInvocation(stack));
  if (synthCode !== 0) throw new RolloutError(`synth failed (exit ${synthCode})`);

  let deployCode: number | undefined;
  const deployDone = runOrPrint(context, deployInvocation(stack)).then((code) => {
    deployCode = code;
    return code;
  });
  if (aws.dryRun) {
    await deployDone;
    log(`[dry-run] would follow the instance refresh of ${group.name} (autoscaling:DescribeInstanceRefreshes)`);
    return 0;
  }
  const outcome = await followRefresh(aws, {
    groupName: group.name,
    ...(previousRefreshId ? { previousRefreshId } : {}),
    clock,
    log,
    timeoutMs: config.timeoutMinutes * 60_000,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
    noRefreshExpected: () => deployCode !== undefined,
  });
  if (!outcome.ok) {
    log(`rollout failed: ${outcome.reason}`);
    if (deployCode === undefined) log('CloudFormation is still updating the stack; `status` follows it');
    return 1;
  }
  const code = await deployDone;
  if (code !== 0) {
    log(`rollout failed: cdk deploy exited ${code} after the instance refresh succeeded`);
    return 1;
  }
  log(`${target.instance}: ${imageId} rolled out`);
  return 0;
}

async function latestRefresh(aws: AwsGateway, groupName: string): Promise<InstanceRefresh | undefined> {
  const result = await aws.read<{ InstanceRefreshes?: InstanceRefresh[] }>(
    'autoscaling',
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName, MaxRecords: 1 }),
  );
  // `?.`: a dry run against a stubbed API may answer nothing at all.
  return result?.InstanceRefreshes?.[0];
}

/** status: the image and launch template version in service, and the latest instance refresh. */
export async function status(context: CommandContext, environment: string): Promise<number> {
  const target = targetOf(context.config, environment);
  const group = await findServiceGroup(context.aws, target.instance);
  context.log(
    `${target.instance}: group ${group.name}, launch template ${group.launchTemplateId} version ${group.launchTemplateVersion}, image ${group.imageId}`,
  );
  const serving = await servingImages(context.aws, group);
  context.log(`${describeServing(serving)}${serving.uniform ? '' : ` (not all on ${group.imageId})`}`);
  const specPath = join(context.config.serviceTemplateDir, target.specFile);
  const recorded = amiIdOf(readFileSync(specPath, 'utf8'), target.instance);
  if (recorded !== group.imageId) {
    context.log(
      `${specPath} records ${recorded}, not ${group.imageId}: the record of a rollout was lost; ` +
        `\`deploy --env ${environment} --ami ${group.imageId}\` repairs it`,
    );
  }
  const refresh = await latestRefresh(context.aws, group.name);
  context.log(
    refresh
      ? `latest instance refresh ${refresh.InstanceRefreshId}: ${progressLine(refresh)}`
      : 'no instance refresh yet',
  );
  return 0;
}

export interface RollbackOptions {
  readonly environment: string;
  /** With no refresh in progress: roll forward to this earlier image through `deploy`. */
  readonly toImage?: string;
  readonly environmentOutputs?: string;
}

/**
 * rollback: a refresh in progress is cancelled; CloudFormation then fails the stack update and
 * rolls the stack back, which restores the previous launch template version (and its image) through
 * another refresh. Once a rollout has finished there is nothing to cancel: `--to ami-...` deploys
 * the earlier image the normal way (without migrations: the schema is already expanded).
 */
export async function rollback(context: CommandContext, options: RollbackOptions): Promise<number> {
  const { aws, log, config } = context;
  const target = targetOf(config, options.environment);
  const group = await findServiceGroup(aws, target.instance);
  const refresh = await latestRefresh(aws, group.name);
  if (refresh && ACTIVE.has(refresh.Status ?? '')) {
    log(`cancelling instance refresh ${refresh.InstanceRefreshId} (${progressLine(refresh)})`);
    await aws.write('autoscaling', new CancelInstanceRefreshCommand({ AutoScalingGroupName: group.name }));
    if (aws.dryRun) return 0;
    const outcome = await followToTheEnd(context, group.name, refresh.InstanceRefreshId!);
    const ended = outcome.refresh?.Status;
    if (ended === 'Cancelled' || ended === 'RollbackSuccessful') {
      log('cancelled: CloudFormation fails the stack update and rolls back to the previous launch template version');
      return 0;
    }
    log(`rollback failed: ${outcome.ok ? 'the refresh finished before it could be cancelled' : outcome.reason}`);
    return 1;
  }
  if (refresh && WINDING_DOWN.has(refresh.Status ?? '')) {
    // A re-run, or a rollback CloudFormation started itself: nothing to cancel, so follow it.
    log(
      `instance refresh ${refresh.InstanceRefreshId} is already ${refresh.Status} (${progressLine(refresh)}); following it`,
    );
    if (aws.dryRun) return 0;
    const outcome = await followToTheEnd(context, group.name, refresh.InstanceRefreshId!);
    const ended = outcome.refresh?.Status;
    if (ended === 'Cancelled' || ended === 'RollbackSuccessful') {
      log(`rolled back: instance refresh ${refresh.InstanceRefreshId} ended ${ended}`);
      return 0;
    }
    log(
      `rollback failed: ${outcome.ok ? `instance refresh ${refresh.InstanceRefreshId} ended ${ended}` : outcome.reason}`,
    );
    return 1;
  }
  if (!options.toImage) {
    log(
      `no instance refresh in progress on ${group.name} (running ${group.imageId}); ` +
        'to go back to an earlier image run `rollback --to ami-...` (or revert the spec commit and deploy)',
    );
    return 1;
  }
  if (!options.environmentOutputs) throw new RolloutError('rollback --to needs --environment-outputs');
  return deploy(context, {
    environment: options.environment,
    ami: options.toImage,
    environmentOutputs: options.environmentOutputs,
    skipMigrations: true,
  });
}

/** Follows one instance refresh until it ends, however it ends (rollback waits for cancels and rollbacks). */
function followToTheEnd(context: CommandContext, groupName: string, instanceRefreshId: string) {
  const { aws, clock, log, config } = context;
  return followRefresh(aws, {
    groupName,
    instanceRefreshId,
    clock,
    log,
    timeoutMs: config.timeoutMinutes * 60_000,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
  });
}
