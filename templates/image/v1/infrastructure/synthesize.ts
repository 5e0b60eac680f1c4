import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadImageInputs } from './image-inputs.ts';
import { ImageStack } from './image-stack.ts';

export interface SynthesizeImageOptions {
  readonly specPath: string;
  readonly region: string;
  readonly account?: string;
  /** @default 'cdk.out' */
  readonly outdir?: string;
}

/** Validates the spec and synthesizes `<outdir>/<pipeline_name>-image`. */
export function synthesizeImage(options: SynthesizeImageOptions): { stack: ImageStack; templateFile: string } {
  const inputs = loadImageInputs(options.specPath);
  const stackName = `${inputs.pipeline_name}-image`;
  const app = new App({ outdir: join(options.outdir ?? 'cdk.out', stackName) });
  // Same audit as the other templates: an unacknowledged AwsSolutions finding fails synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stack = new ImageStack(app, stackName, {
    inputs,
    description: `Taskboard api image pipeline ${inputs.pipeline_name} (template-image v1)`,
    env: { region: options.region, ...(options.account ? { account: options.account } : {}) },
  });
  const assembly = app.synth();
  return { stack, templateFile: join(assembly.directory, stack.templateFile) };
}
