import { parseArgs } from 'node:util';
import { AwsGateway, type AwsClients } from './aws-gateway.ts';
import { bake } from './bake.ts';
import type { Clock } from './clock.ts';
import { deploy, rollback, status, type CommandContext } from './commands.ts';
import { loadConfig, type RolloutConfig } from './config.ts';
import { migrate } from './migrations.ts';
import { RolloutError } from './errors.ts';
import type { CommandRunner } from './stack-deploy.ts';

export const USAGE = `usage: taskboard-rollout <deploy|status|rollback|migrate> --env <name> [options]
       taskboard-rollout bake --bucket <name> --pipeline-arn <arn> [options]
  deploy    --ami <ami-...|latest> --environment-outputs <file> [--skip-migrations]
            (no service stack yet: an empty group, migrations, then the spec's capacity)
  status
  migrate   runs pending migrations with the image in service (nothing is rolled out)
  rollback  [--to <ami-...> --environment-outputs <file>]
  bake      uploads the api artifact, runs the Image Builder pipeline, prints the AMI id
            (defaults: $TASKBOARD_ARTIFACT_BUCKET, $TASKBOARD_IMAGE_PIPELINE_ARN; appends ami=... to $GITHUB_OUTPUT)
options: --config <file> (default tools/rollout/rollout.config.json), --region <r>,
         --poll-seconds <n>, --timeout-minutes <n>, --dry-run (reads run, writes are printed)`;

export interface CliDependencies {
  readonly defaultConfigPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly runner: CommandRunner;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  readonly createClients: (region: string) => AwsClients;
}

/** Parses arguments, builds the context and runs one subcommand; resolves the exit code. */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        env: { type: 'string' },
        ami: { type: 'string' },
        to: { type: 'string' },
        config: { type: 'string' },
        region: { type: 'string' },
        'environment-outputs': { type: 'string' },
        bucket: { type: 'string' },
        'pipeline-arn': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'timeout-minutes': { type: 'string' },
        'skip-migrations': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    deps.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const subcommand = positionals[0];
  const known = ['deploy', 'status', 'rollback', 'bake', 'migrate'];
  if (!subcommand || !known.includes(subcommand) || (subcommand !== 'bake' && !values.env)) {
    deps.error(USAGE);
    return 2;
  }
  const bucket = values.bucket ?? deps.env.TASKBOARD_ARTIFACT_BUCKET;
  const pipelineArn = values['pipeline-arn'] ?? deps.env.TASKBOARD_IMAGE_PIPELINE_ARN;
  if (subcommand === 'bake' && (!bucket || !pipelineArn)) {
    deps.error(`bake needs --bucket and --pipeline-arn (the image template's outputs)\n${USAGE}`);
    return 2;
  }
  try {
    const loaded = loadConfig(values.config ?? deps.defaultConfigPath);
    const config: RolloutConfig = {
      ...loaded,
      region: values.region ?? deps.env.AWS_REGION ?? loaded.region,
      pollIntervalSeconds: values['poll-seconds'] ? Number(values['poll-seconds']) : loaded.pollIntervalSeconds,
      timeoutMinutes: values['timeout-minutes'] ? Number(values['timeout-minutes']) : loaded.timeoutMinutes,
    };
    const aws = new AwsGateway({
      clients: deps.createClients(config.region),
      clock: deps.clock,
      dryRun: values['dry-run'],
      log: deps.log,
    });
    const context: CommandContext = { aws, config, clock: deps.clock, runner: deps.runner, log: deps.log };
    const outputs = values['environment-outputs'] ?? deps.env.TASKBOARD_ENVIRONMENT_OUTPUTS;
    if (subcommand === 'bake') {
      const outputFile = deps.env.GITHUB_OUTPUT;
      return await bake(context, { bucket: bucket!, pipelineArn: pipelineArn!, ...(outputFile ? { outputFile } : {}) });
    }
    if (!values.env) throw new RolloutError('--env is required'); // checked above; narrows the type
    if (subcommand === 'status') return await status(context, values.env);
    if (subcommand === 'migrate') return await migrate(context, values.env);
    if (subcommand === 'rollback') {
      return await rollback(context, {
        environment: values.env,
        ...(values.to ? { toImage: values.to } : {}),
        ...(outputs ? { environmentOutputs: outputs } : {}),
      });
    }
    if (!values.ami || !outputs) {
      deps.error(`deploy needs --ami and --environment-outputs\n${USAGE}`);
      return 2;
    }
    return await deploy(context, {
      environment: values.env,
      ami: values.ami,
      environmentOutputs: outputs,
      skipMigrations: values['skip-migrations'],
    });
  } catch (error) {
    deps.error(`taskboard-rollout: ${(error as Error).message}`);
    return 1;
  }
}
