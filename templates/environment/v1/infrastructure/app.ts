import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentInputs } from './environment-inputs.ts';
import { EnvironmentStack } from './environment-stack.ts';
import { loadOpenApiDocument, type OpenApiDocument } from './openapi-document.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The api's generated contract, relative to this template package. */
export const DEFAULT_OPENAPI_PATH = join(here, '..', '..', '..', '..', 'packages', 'api', 'openapi.json');

export interface EnvironmentAppOptions {
  readonly inputs: EnvironmentInputs;
  /** @default the api's packages/api/openapi.json */
  readonly openApi?: OpenApiDocument;
  /** Where to write the cloud assembly. @default 'cdk.out' */
  readonly outdir?: string;
  /** Region to deploy to: ALB access logging needs it at synthesis. */
  readonly region: string;
  /** Account to deploy to. @default - resolved at deploy time (AZs become Fn::GetAZs) */
  readonly account?: string;
}

/** Builds the CDK app for one environment spec, with the cdk-nag AwsSolutions checks attached. */
export function buildEnvironmentApp(options: EnvironmentAppOptions): { app: App; stack: EnvironmentStack } {
  const app = new App({ outdir: options.outdir ?? 'cdk.out' });
  const stack = new EnvironmentStack(app, `taskboard-${options.inputs.environment_name}`, {
    inputs: options.inputs,
    openApi: options.openApi ?? loadOpenApiDocument(DEFAULT_OPENAPI_PATH),
    description: `Taskboard environment ${options.inputs.environment_name} (template-environment v1)`,
    env: { region: options.region, ...(options.account ? { account: options.account } : {}) },
  });
  // Runs at synthesis: any unacknowledged finding stops `synth` with a report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
