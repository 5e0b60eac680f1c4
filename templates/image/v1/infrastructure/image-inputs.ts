import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inputTypeOf,
  loadEnvironmentSpec,
  loadProtonSchema,
  SpecValidationError,
  validateSpec,
} from '@taskboard/template-kit';

/** The validated `spec:` of the image pipeline spec, defaults applied; fields as in v1/schema/schema.yaml. */
export interface ImageInputs {
  readonly pipeline_name: string;
  readonly architecture: 'arm64' | 'x86_64';
  readonly build_instance_type: string;
  readonly node_version: string;
  readonly image_parameter_name: string;
  readonly artifact_parameter_name: string;
  /** '' = a default subnet of the default VPC. */
  readonly subnet_id: string;
  readonly security_group_ids: readonly string[];
}

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'schema.yaml');

/** Validates against the schema, then the field pairs a schema cannot relate; errors name the fields. */
export function parseImageInputs(spec: unknown, source = 'spec'): ImageInputs {
  const inputs = validateSpec<ImageInputs>(inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment'), spec, source);
  const problems = [...architectureProblems(inputs), ...networkProblems(inputs)];
  if (problems.length > 0) throw new SpecValidationError(source, problems);
  return inputs;
}

export function loadImageInputs(specPath: string): ImageInputs {
  return parseImageInputs(loadEnvironmentSpec(specPath).spec, specPath);
}

/**
 * The architecture of an instance type, or undefined when its name does not follow the
 * `<family><generation><attributes>.<size>` scheme. Graviton (arm64) families have a `g` right after
 * the generation digit (t4g, m7g, c7gn, r8g, x2gd); a1 is the one older arm64 family.
 */
export function instanceArchitecture(instanceType: string): 'arm64' | 'x86_64' | undefined {
  const match = /^([a-z]+)(\d+)([a-z-]*)\./.exec(instanceType);
  if (!match) return undefined;
  const [, family, generation, attributes] = match;
  if (family === 'a' && generation === '1') return 'arm64';
  return attributes!.startsWith('g') ? 'arm64' : 'x86_64';
}

/** The build instance runs the parent image, so its architecture must be the AMI's. */
function architectureProblems(inputs: ImageInputs): string[] {
  const actual = instanceArchitecture(inputs.build_instance_type);
  if (actual === undefined || actual === inputs.architecture) return [];
  const example = inputs.architecture === 'arm64' ? 't4g.small' : 't3.small';
  return [
    `spec.build_instance_type: ${inputs.build_instance_type} is an ${actual} instance type, but spec.architecture is ` +
      `${inputs.architecture}; set spec.build_instance_type to an ${inputs.architecture} type such as ${example}`,
  ];
}

/** A subnet and its security groups belong to one VPC, so they are set together or not at all. */
function networkProblems(inputs: ImageInputs): string[] {
  const hasSubnet = inputs.subnet_id !== '';
  const hasGroups = inputs.security_group_ids.length > 0;
  if (hasSubnet === hasGroups) return [];
  return hasSubnet
    ? ['spec.security_group_ids: required with spec.subnet_id (set both, or neither for the default VPC)']
    : ['spec.subnet_id: required with spec.security_group_ids (set both, or neither for the default VPC)'];
}
