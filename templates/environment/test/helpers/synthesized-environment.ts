import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesizeEnvironment, type SynthesizeResult } from '../../v1/infrastructure/synthesize.ts';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_OPENAPI = join(PACKAGE_DIR, 'test', 'fixtures', 'openapi.fixture.json');

export interface SynthesizedEnvironment extends SynthesizeResult {
  readonly template: Template;
  /** The raw CloudFormation, for checks the assertion matchers cannot express. */
  readonly json: CloudFormationTemplate;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** Synthesizes an example spec the way `npm run synth` does (synthesis is slow: call once per test file). */
export function synthesizeExample(specName: 'dev' | 'prod', openApiPath?: string): SynthesizedEnvironment {
  const outdir = mkdtempSync(join(tmpdir(), 'taskboard-environment-'));
  const result = synthesizeEnvironment({
    specPath: join(PACKAGE_DIR, 'specs', `${specName}.yaml`),
    region: 'eu-west-1',
    outdir,
    ...(openApiPath ? { openApiPath } : {}),
  });
  const json = JSON.parse(readFileSync(result.templateFile, 'utf8')) as CloudFormationTemplate;
  return { ...result, template: Template.fromJSON(json), json };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(json: CloudFormationTemplate, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}
