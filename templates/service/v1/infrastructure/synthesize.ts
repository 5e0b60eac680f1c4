import { join } from 'node:path';
import { buildServiceApp } from './app.ts';
import { loadServiceInstances } from './service-inputs.ts';
import type { ServiceStack } from './service-stack.ts';

export interface SynthesizeOptions {
  readonly specPath: string;
  /** `cdk deploy --outputs-file` of the environment(s). */
  readonly environmentOutputsPath: string;
  readonly region: string;
  readonly account?: string;
  /** Parent folder; each instance goes to `<outdir>/<instance name>`. @default 'cdk.out' */
  readonly outdir?: string;
  /** No instances until the rollout has migrated the database (`--awaiting-migrations`). @default false */
  readonly awaitingMigrations?: boolean;
}

export interface SynthesizedInstance {
  readonly stack: ServiceStack;
  readonly stackName: string;
  readonly assemblyDir: string;
  readonly templateFile: string;
}

/**
 * Resolves a service spec against the environment outputs, validates it and synthesizes one
 * assembly per instance. Deploy each with `npx cdk deploy --app <assemblyDir>`.
 */
export function synthesizeService(options: SynthesizeOptions): SynthesizedInstance[] {
  return loadServiceInstances(options.specPath, options.environmentOutputsPath).map((instance) => {
    const assemblyDir = join(options.outdir ?? 'cdk.out', instance.name);
    const { app, stack } = buildServiceApp({
      instance,
      outdir: assemblyDir,
      region: options.region,
      ...(options.account ? { account: options.account } : {}),
      awaitingMigrations: options.awaitingMigrations ?? false,
    });
    const assembly = app.synth();
    return {
      stack,
      stackName: stack.stackName,
      assemblyDir,
      templateFile: join(assembly.directory, stack.templateFile),
    };
  });
}
