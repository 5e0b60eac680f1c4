import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ServiceInstance } from './service-inputs.ts';
import { ServiceStack } from './service-stack.ts';

export interface ServiceAppOptions {
  readonly instance: ServiceInstance;
  /** Where to write the cloud assembly. @default 'cdk.out' */
  readonly outdir?: string;
  /** Region of the environment the service joins. */
  readonly region: string;
  /** @default - resolved at deploy time */
  readonly account?: string;
  /** Synthesize with no instances until the database is migrated (the first deploy's first step). @default false */
  readonly awaitingMigrations?: boolean;
}

/** Builds the CDK app for one service instance, with the cdk-nag AwsSolutions checks attached. */
export function buildServiceApp(options: ServiceAppOptions): { app: App; stack: ServiceStack } {
  const app = new App({ outdir: options.outdir ?? 'cdk.out' });
  const stack = new ServiceStack(app, options.instance.name, {
    inputs: options.instance.inputs,
    instanceName: options.instance.name,
    awaitingMigrations: options.awaitingMigrations ?? false,
    description: `Taskboard api service ${options.instance.name} in environment ${options.instance.environment} (template-service v1)`,
    env: { region: options.region, ...(options.account ? { account: options.account } : {}) },
  });
  // Runs at synthesis: any unacknowledged finding stops `synth` with a report.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
