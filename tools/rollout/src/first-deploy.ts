import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { AwsGateway } from './aws-gateway.ts';
import { pollUntil, type Clock } from './clock.ts';
import type { CommandContext, DeployOptions } from './commands.ts';
import { targetOf } from './config.ts';
import { runMigrationsOnce } from './migrations.ts';
import { resolveImage } from './resolve-image.ts';
import { AWAITING_MIGRATIONS_TAG, findServiceGroup, type ServiceGroup } from './service-group.ts';
import { setAmiId } from './spec-file.ts';
import {
  deployInvocation,
  runOrPrint,
  synthInvocation,
  type Invocation,
  type StackDeployOptions,
} from './stack-deploy.ts';

/**
 * Extra time an instance must stay InService and Healthy past the group's health check grace period
 * before the first deploy counts it as serving: the load balancer needs its unhealthy threshold of
 * failed checks (2 × up to 60 s in templates/service) to report a target unhealthy.
 */
export const SETTLE_MARGIN_MS = 120_000;

/** True when `deploy` must take the first-deploy path: no service stack yet, or one that stopped half-way. */
export function needsFirstDeploy(group: ServiceGroup | undefined): boolean {
  return group === undefined || group.awaitingMigrations;
}

/**
 * deploy into an account where the service stack does not exist yet (or a first deploy stopped
 * before its migrations). Instances never migrate on boot, and the target group's health check
 * passes only once an instance has seen every migration applied, so instances started against an
 * empty database would fail it and be replaced in a loop, while a re-run with the same AMI would
 * find nothing to do. So, in order:
 *   1. the stack with an EMPTY group (`synth --awaiting-migrations`: min = max = desired = 0, no
 *      scheduled actions, tag taskboard:awaiting-migrations), which creates the launch template and
 *      the migration runner's instance profile;
 *   2. migrations (and the api's database role) on one runner from that launch template;
 *   3. the spec as written: the same launch template, so CloudFormation only changes the group's
 *      size (no instance refresh) and removes the tag;
 *   4. wait until the group's instances are InService and Healthy past the grace period.
 * A failure in 2 or 3 leaves the empty group and its tag: the same command resumes at step 2.
 */
export async function firstDeploy(
  context: CommandContext,
  options: DeployOptions,
  existing: ServiceGroup | undefined,
): Promise<number> {
  const { aws, config, clock, log } = context;
  const target = targetOf(config, options.environment);
  const imageId = await resolveImage(aws, options.ami, config.latestImageParameter);
  const specPath = join(config.serviceTemplateDir, target.specFile);
  const specText = readFileSync(specPath, 'utf8');
  const updatedSpec = setAmiId(specText, target.instance, imageId);
  const stack: StackDeployOptions = {
    serviceTemplateDir: config.serviceTemplateDir,
    specFile: target.specFile,
    instance: target.instance,
    region: config.region,
    environmentOutputs: options.environmentOutputs,
    cdkCommand: config.cdkCommand,
  };
  log(
    existing
      ? `${target.instance}: resuming the first deploy: group ${existing.name} stays empty until the database is migrated`
      : `${target.instance}: no service stack yet; first deploy of ${imageId}: an empty group, migrations, then the spec's capacity`,
  );

  if (!existing || existing.imageId !== imageId || updatedSpec !== specText) {
    if (aws.dryRun) log(`[dry-run] would set ami_id: ${imageId} for ${target.instance} in ${specPath}`);
    else writeFileSync(specPath, updatedSpec);
    const code = await runSteps(context, [
      synthInvocation({ ...stack, awaitingMigrations: true }),
      deployInvocation(stack),
    ]);
    if (code !== 0) {
      if (!aws.dryRun) writeFileSync(specPath, specText);
      log(`first deploy failed: the stack with an empty group did not deploy (exit ${code}); ami_id restored`);
      return 1;
    }
  }
  if (aws.dryRun) {
    log(`[dry-run] would start the migration runner from ${target.instance}'s launch template (${imageId})`);
    await runSteps(context, [synthInvocation(stack), deployInvocation(stack)]);
    log(`[dry-run] would wait until ${target.instance}'s instances are InService and Healthy`);
    return 0;
  }

  const group = await findServiceGroup(aws, target.instance);
  if (config.migrations && !options.skipMigrations) {
    try {
      await runMigrationsOnce(aws, { group, imageId: group.imageId, instanceName: target.instance, clock, log });
    } catch (error) {
      log(
        `first deploy stopped: ${(error as Error).message}. Group ${group.name} stays empty ` +
          `(tag ${AWAITING_MIGRATIONS_TAG}); run the same command again to resume with the migrations`,
      );
      return 1;
    }
  } else {
    log('migrations skipped: the database must already be migrated, or the instances never become healthy');
  }

  const code = await runSteps(context, [synthInvocation(stack), deployInvocation(stack)]);
  if (code !== 0) {
    log(
      `first deploy failed: deploying the spec's capacity exited ${code}; CloudFormation keeps the empty group, ` +
        'and the same command resumes',
    );
    return 1;
  }
  const serving = await waitForServingGroup(aws, group.name, {
    clock,
    log,
    timeoutMs: config.timeoutMinutes * 60_000,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
  });
  if (!serving) return 1;
  log(`${target.instance}: ${imageId} deployed for the first time`);
  return 0;
}

async function runSteps(context: CommandContext, steps: readonly Invocation[]): Promise<number> {
  for (const step of steps) {
    const code = await runOrPrint(context, step);
    if (code !== 0) return code;
  }
  return 0;
}

export interface ServingWaitOptions {
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
}

/**
 * Waits until the group has its desired number of instances InService and Healthy, and the same
 * instances stay so for the group's health check grace period plus SETTLE_MARGIN_MS. With ELB health
 * checks, Auto Scaling marks an InService instance Unhealthy (and replaces it) once the load balancer
 * reports it unhealthy after the grace period
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html), so an
 * instance that outlives that window has passed the target group's start-up-gated health check.
 * Verified only at the aws-sdk-client-mock boundary.
 */
export async function waitForServingGroup(
  aws: AwsGateway,
  groupName: string,
  options: ServingWaitOptions,
): Promise<boolean> {
  const { clock, log } = options;
  let stableSince: number | undefined;
  let stableSet = '';
  let lastLine = '';
  let last: AutoScalingGroup | undefined;
  const done = await pollUntil(
    clock,
    { intervalMs: options.pollIntervalMs, timeoutMs: options.timeoutMs },
    async () => {
      const result = await aws.read<{ AutoScalingGroups?: AutoScalingGroup[] }>(
        'autoscaling',
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
      );
      last = result.AutoScalingGroups?.[0];
      const desired = last?.DesiredCapacity ?? 0;
      const healthy = (last?.Instances ?? [])
        .filter((instance) => instance.LifecycleState === 'InService' && instance.HealthStatus === 'Healthy')
        .map((instance) => instance.InstanceId ?? '')
        .sort();
      const line = `[instances] ${healthy.length}/${desired} InService and Healthy`;
      if (line !== lastLine) log(line);
      lastLine = line;
      if (healthy.length < desired) {
        stableSince = undefined;
        return undefined;
      }
      const set = healthy.join(',');
      if (set !== stableSet || stableSince === undefined) {
        stableSet = set;
        stableSince = clock.now();
      }
      const settleMs = (last?.HealthCheckGracePeriod ?? 0) * 1000 + SETTLE_MARGIN_MS;
      return desired === 0 || clock.now() - stableSince >= settleMs ? true : undefined;
    },
  );
  if (done) return true;
  const states = (last?.Instances ?? [])
    .map((instance) => `${instance.InstanceId} ${instance.LifecycleState}/${instance.HealthStatus}`)
    .join(', ');
  log(
    `first deploy failed: ${groupName} did not keep ${last?.DesiredCapacity ?? 0} healthy instance(s) within ` +
      `${Math.round(options.timeoutMs / 60_000)} min (${states || 'no instances'}); ` +
      'see the api log group and the target group health in the console',
  );
  return false;
}
