import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployAccessInputs } from './deploy-access-inputs.ts';
import { DeployAccessStack } from './deploy-access-stack.ts';

export interface SynthesizeDeployAccessOptions {
  readonly specPath: string;
  readonly region: string;
  readonly account?: string;
  /** owner/name; overrides the spec's github_repository. */
  readonly githubRepository?: string;
  /** @default 'cdk.out' */
  readonly outdir?: string;
}

/** Validates the spec and synthesizes `<outdir>/<name_prefix>-deploy-access`. */
export function synthesizeDeployAccess(options: SynthesizeDeployAccessOptions): {
  stack: DeployAccessStack;
  templateFile: string;
} {
  const inputs = loadDeployAccessInputs(options.specPath, options.githubRepository);
  const stackName = `${inputs.name_prefix}-deploy-access`;
  const app = new App({ outdir: join(options.outdir ?? 'cdk.out', stackName) });
  // Same audit as the other templates: an unacknowledged AwsSolutions finding fails synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stack = new DeployAccessStack(app, stackName, {
    inputs,
    description: `Taskboard GitHub deploy access for ${inputs.github_repository} (template-deploy-access v1)`,
    env: { region: options.region, ...(options.account ? { account: options.account } : {}) },
  });
  const assembly = app.synth();
  return { stack, templateFile: join(assembly.directory, stack.templateFile) };
}
