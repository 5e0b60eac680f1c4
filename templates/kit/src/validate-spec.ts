import { Ajv, type ErrorObject } from 'ajv';
import type { JsonSchema } from './proton-schema.ts';

/** Thrown when a spec does not satisfy its schema; `problems` holds one line per wrong or missing field. */
export class SpecValidationError extends Error {
  override name = 'SpecValidationError';
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`${source} does not match its schema:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/**
 * Validates `input` against `schema` and returns a copy with the schema's defaults filled in.
 * Unknown fields are errors: a typo in a spec must not silently fall back to a default.
 */
export function validateSpec<T>(schema: JsonSchema, input: unknown, source = 'spec', prefix = 'spec'): T {
  // useDefaults mutates, so validate a deep copy.
  const copy: unknown = structuredClone(input ?? {});
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
  const validate = ajv.compile(closeObjects(schema));
  if (!validate(copy)) {
    throw new SpecValidationError(
      source,
      (validate.errors ?? []).map((error) => describeError(error, prefix)),
    );
  }
  return copy as T;
}

/** Adds `additionalProperties: false` to every object schema that does not say otherwise. */
function closeObjects(schema: JsonSchema): JsonSchema {
  const result: Record<string, unknown> = { ...schema };
  if (schema.properties) {
    result.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, closeObjects(property)]),
    );
    if (schema.additionalProperties === undefined) result.additionalProperties = false;
  }
  if (schema.items) result.items = closeObjects(schema.items);
  return result as JsonSchema;
}

function describeError(error: ErrorObject, prefix: string): string {
  const path = [prefix, ...error.instancePath.split('/').slice(1).map(unescapePointer)].join('.');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${path}.${String(params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${path}.${String(params.additionalProperty)}: is not a known field`;
    case 'enum':
      return `${path}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(error.data)}`;
    case 'type':
      return `${path}: must be of type ${String(params.type)}; got ${JSON.stringify(error.data)}`;
    default:
      return `${path}: ${error.message ?? 'is invalid'}; got ${JSON.stringify(error.data)}`;
  }
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
