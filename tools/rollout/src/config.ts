import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RolloutError } from './errors.ts';

/** One deploy target: a service instance of templates/service and the spec file that holds it. */
export interface EnvironmentTarget {
  /** Relative to the service template folder. */
  readonly specFile: string;
  /** Instance name in the spec; also the CloudFormation stack name. */
  readonly instance: string;
}

/**
 * What the rollout reads from `rollout.config.json` (flags override it). The instance refresh
 * preferences (min/max healthy %, warm-up, checkpoints, skip matching, alarms) are NOT here: they are
 * parameters of the service spec, because CloudFormation starts the refresh (docs/decisions/0007).
 */
export interface RolloutConfig {
  readonly region: string;
  /** SSM parameter the Image Builder distribution writes the newest AMI id to. */
  readonly latestImageParameter: string;
  /** Absolute path of the api artifact folder (`npm run bundle -w @taskboard/api`) that `bake` uploads. */
  readonly artifactDir: string;
  /** SSM parameter `bake` writes the artifact's S3 URI to; the image recipe reads it. */
  readonly artifactParameter: string;
  /** Absolute path of templates/service. */
  readonly serviceTemplateDir: string;
  /** Command (and leading args) that runs the CDK CLI. */
  readonly cdkCommand: readonly string[];
  readonly pollIntervalSeconds: number;
  readonly timeoutMinutes: number;
  /** Run the new artifact's migrations once before the refresh. */
  readonly migrations: boolean;
  readonly environments: Readonly<Record<string, EnvironmentTarget>>;
}

function fail(path: string, message: string): never {
  throw new RolloutError(`${path}: ${message}`);
}

export function parseConfig(value: unknown, path: string): RolloutConfig {
  if (typeof value !== 'object' || value === null) fail(path, 'expected a JSON object');
  const raw = value as Record<string, unknown>;
  const text = (key: string): string =>
    typeof raw[key] === 'string' && raw[key] !== '' ? (raw[key] as string) : fail(path, `${key} must be a string`);
  const positive = (key: string): number =>
    typeof raw[key] === 'number' && (raw[key] as number) > 0 ? (raw[key] as number) : fail(path, `${key} must be > 0`);
  const cdk = raw.cdkCommand;
  if (!Array.isArray(cdk) || cdk.length === 0 || !cdk.every((part) => typeof part === 'string')) {
    fail(path, 'cdkCommand must be a non-empty array of strings');
  }
  const environments = raw.environments;
  if (typeof environments !== 'object' || environments === null) fail(path, 'environments must be an object');
  const targets: Record<string, EnvironmentTarget> = {};
  for (const [name, target] of Object.entries(environments)) {
    const entry = target as Partial<EnvironmentTarget> | null;
    if (typeof entry?.specFile !== 'string' || typeof entry.instance !== 'string') {
      fail(path, `environments.${name} needs specFile and instance`);
    }
    targets[name] = { specFile: entry.specFile, instance: entry.instance };
  }
  return {
    region: text('region'),
    latestImageParameter: text('latestImageParameter'),
    artifactDir: resolve(dirname(path), text('artifactDir')),
    artifactParameter: text('artifactParameter'),
    serviceTemplateDir: resolve(dirname(path), text('serviceTemplateDir')),
    cdkCommand: cdk as string[],
    pollIntervalSeconds: positive('pollIntervalSeconds'),
    timeoutMinutes: positive('timeoutMinutes'),
    migrations: raw.migrations !== false,
    environments: targets,
  };
}

export function loadConfig(path: string): RolloutConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(path, `cannot read (${(error as Error).message})`);
  }
  return parseConfig(parsed, path);
}

export function targetOf(config: RolloutConfig, environment: string): EnvironmentTarget {
  const target = config.environments[environment];
  if (!target) {
    throw new RolloutError(
      `unknown environment "${environment}"; configured: ${Object.keys(config.environments).join(', ')}`,
    );
  }
  return target;
}
