import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesizeService, type SynthesizedInstance } from '../../v1/infrastructure/synthesize.ts';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_OUTPUTS = join(PACKAGE_DIR, 'specs', 'environment-outputs.example.json');

export interface CloudFormationTemplate {
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; UpdatePolicy?: unknown; DependsOn?: string[] }
  >;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export interface SynthesizedService extends SynthesizedInstance {
  readonly template: Template;
  readonly json: CloudFormationTemplate;
}

/** Synthesizes an example spec as `npm run synth` does (slow: once per test file). */
export function synthesizeExample(specName: 'dev' | 'prod'): SynthesizedService {
  const outdir = mkdtempSync(join(tmpdir(), 'taskboard-service-'));
  const [instance] = synthesizeService({
    specPath: join(PACKAGE_DIR, 'specs', `${specName}.yaml`),
    environmentOutputsPath: EXAMPLE_OUTPUTS,
    region: 'eu-west-1',
    outdir,
  });
  const json = JSON.parse(readFileSync(instance!.templateFile, 'utf8')) as CloudFormationTemplate;
  return { ...instance!, template: Template.fromJSON(json), json };
}

export function exampleOutputs(environment: 'dev' | 'prod'): Record<string, string> {
  return (JSON.parse(readFileSync(EXAMPLE_OUTPUTS, 'utf8')) as Record<string, Record<string, string>>)[
    `taskboard-${environment}`
  ]!;
}

export function resourcesOfType(json: CloudFormationTemplate, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}
