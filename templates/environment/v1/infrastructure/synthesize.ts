import { join } from 'node:path';
import { buildEnvironmentApp } from './app.ts';
import { loadEnvironmentInputs } from './environment-inputs.ts';
import type { EnvironmentStack } from './environment-stack.ts';
import { loadOpenApiDocument, type OpenApiDocument } from './openapi-document.ts';

export interface SynthesizeOptions {
  readonly specPath: string;
  readonly region: string;
  readonly account?: string;
  /** Parent folder; the assembly goes to `<outdir>/<stack name>`. @default 'cdk.out' */
  readonly outdir?: string;
  readonly openApiPath?: string;
}

export interface SynthesizeResult {
  readonly stack: EnvironmentStack;
  readonly stackName: string;
  readonly assemblyDir: string;
  readonly templateFile: string;
}

/**
 * Validates one spec against the schema and synthesizes its CloudFormation offline.
 * Deploy the result with `npx cdk deploy --app <assemblyDir>`.
 */
export function synthesizeEnvironment(options: SynthesizeOptions): SynthesizeResult {
  const inputs = loadEnvironmentInputs(options.specPath);
  const openApi: OpenApiDocument | undefined = options.openApiPath
    ? loadOpenApiDocument(options.openApiPath)
    : undefined;
  const assemblyDir = join(options.outdir ?? 'cdk.out', `taskboard-${inputs.environment_name}`);
  const { app, stack } = buildEnvironmentApp({
    inputs,
    outdir: assemblyDir,
    region: options.region,
    ...(openApi ? { openApi } : {}),
    ...(options.account ? { account: options.account } : {}),
  });
  const assembly = app.synth();
  return {
    stack,
    stackName: stack.stackName,
    assemblyDir,
    templateFile: join(assembly.directory, stack.templateFile),
  };
}
