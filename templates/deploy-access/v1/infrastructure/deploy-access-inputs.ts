import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inputTypeOf,
  loadEnvironmentSpec,
  loadProtonSchema,
  SpecValidationError,
  validateSpec,
} from '@taskboard/template-kit';

/** One GitHub environment and what its jobs deploy; fields as in v1/schema/schema.yaml. */
export interface Deployer {
  readonly github_environment: string;
  /** Stack of templates/environment whose outputs and change sets the workflow reads and runs. */
  readonly environment_stack: string;
  /** The jobs run `cdk deploy` / `cdk diff`. */
  readonly cdk_deploy: boolean;
  /** Stack names of templates/service instances this role rolls out. */
  readonly service_instances: readonly string[];
  readonly bake: boolean;
}

/** The validated `spec:` of a deploy access spec, defaults applied. */
export interface DeployAccessInputs {
  readonly name_prefix: string;
  /** `owner/name`, as it appears in the token's `sub` claim. */
  readonly github_repository: string;
  readonly create_oidc_provider: boolean;
  readonly max_session_hours: number;
  readonly cdk_bootstrap_qualifier: string;
  readonly image_pipeline_name: string;
  readonly image_parameter_name: string;
  readonly artifact_parameter_name: string;
  readonly deployers: readonly Deployer[];
}

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'schema.yaml');

/** Validates against the schema, then what a schema cannot say; errors name the fields. */
export function parseDeployAccessInputs(spec: unknown, source = 'spec'): DeployAccessInputs {
  const inputs = validateSpec<DeployAccessInputs>(
    inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment'),
    spec,
    source,
  );
  const problems = [
    ...duplicates(
      inputs.deployers.map((d) => d.github_environment),
      'github_environment',
    ),
    ...duplicates(
      inputs.deployers.flatMap((d) => d.service_instances),
      'service_instances',
    ),
  ];
  if (problems.length > 0) throw new SpecValidationError(source, problems);
  return inputs;
}

/**
 * Reads a spec file; `githubRepository` (the synth flag or $GITHUB_REPOSITORY) fills in or overrides
 * `github_repository`, so the committed spec need not name a repository that copies would trust.
 */
export function loadDeployAccessInputs(specPath: string, githubRepository?: string): DeployAccessInputs {
  const spec = loadEnvironmentSpec(specPath).spec;
  return parseDeployAccessInputs(githubRepository ? { ...spec, github_repository: githubRepository } : spec, specPath);
}

/** Two roles for one GitHub environment would make the first trust ambiguous; one instance, two owners. */
function duplicates(values: readonly string[], field: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const value of values) {
    if (seen.has(value)) problems.push(`spec.deployers[].${field}: "${value}" appears more than once`);
    seen.add(value);
  }
  return problems;
}
