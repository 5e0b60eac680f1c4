import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputTypeOf, loadEnvironmentSpec, loadProtonSchema, validateSpec } from '@taskboard/template-kit';

/** The validated `spec:` of the image pipeline spec, defaults applied; fields as in v1/schema/schema.yaml. */
export interface ImageInputs {
  readonly pipeline_name: string;
  readonly architecture: 'arm64' | 'x86_64';
  readonly build_instance_type: string;
  readonly node_version: string;
  readonly image_parameter_name: string;
  readonly artifact_parameter_name: string;
}

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'schema.yaml');

export function parseImageInputs(spec: unknown, source = 'spec'): ImageInputs {
  return validateSpec<ImageInputs>(inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment'), spec, source);
}

export function loadImageInputs(specPath: string): ImageInputs {
  return parseImageInputs(loadEnvironmentSpec(specPath).spec, specPath);
}
