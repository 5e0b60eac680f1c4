import { readFileSync } from 'node:fs';
import { isRecord, type JsonSchema } from './proton-schema.ts';

/** Output name → value, as the environment stack exported them. */
export type EnvironmentOutputs = Readonly<Record<string, string>>;

export class EnvironmentOutputsError extends Error {
  override name = 'EnvironmentOutputsError';
}

/** `{{ environment.outputs.Name }}`, Proton's way for a service spec to use an environment output. */
const REFERENCE = /^\{\{\s*environment\.outputs\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * Reads outputs written by `cdk deploy --outputs-file` (`{ "<stack>": { "<Output>": "value" } }`,
 * one entry per deployed stack) or a flat `{ "<Output>": "value" }` map. With several stacks, the
 * environment's stack is `taskboard-<environment>` (or `<environment>`).
 */
export function loadEnvironmentOutputs(path: string, environment?: string): EnvironmentOutputs {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EnvironmentOutputsError(`${path}: cannot read environment outputs (${(error as Error).message})`);
  }
  if (!isRecord(document)) throw new EnvironmentOutputsError(`${path}: expected a JSON object`);
  const stacks = Object.entries(document).filter(([, value]) => isRecord(value));
  let selected: Record<string, unknown> = document;
  if (stacks.length > 0) {
    const wanted = environment === undefined ? [] : [`taskboard-${environment}`, environment];
    const match = stacks.find(([name]) => wanted.includes(name)) ?? (stacks.length === 1 ? stacks[0] : undefined);
    if (!match) {
      throw new EnvironmentOutputsError(
        `${path}: no outputs for environment "${environment ?? ''}"; stacks in the file: ${stacks.map(([name]) => name).join(', ')}`,
      );
    }
    selected = match[1] as Record<string, unknown>;
  }
  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(selected)) {
    if (typeof value !== 'string') throw new EnvironmentOutputsError(`${path}: output "${name}" must be a string`);
    outputs[name] = value;
  }
  return outputs;
}

/** The output a spec value refers to, or undefined when the value is a literal. */
export function referencedOutput(value: unknown): string | undefined {
  return typeof value === 'string' ? REFERENCE.exec(value)?.[1] : undefined;
}

/**
 * Replaces each top-level spec value of the form `{{ environment.outputs.X }}` with output X.
 * CloudFormation outputs are strings, so the value is converted to the property's schema type:
 * integers are parsed and arrays are split on commas (how the environment joins lists; "none" is empty).
 */
export function resolveEnvironmentReferences(
  spec: Readonly<Record<string, unknown>>,
  schema: JsonSchema,
  outputs: EnvironmentOutputs,
  prefix = 'spec',
): Record<string, unknown> {
  const problems: string[] = [];
  const resolved: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(spec)) {
    const output = referencedOutput(value);
    if (output === undefined) {
      resolved[field] = value;
      continue;
    }
    const raw = outputs[output];
    if (raw === undefined) {
      problems.push(`${prefix}.${field}: environment output "${output}" is not among the environment's outputs`);
      continue;
    }
    resolved[field] = convert(raw, schema.properties?.[field]?.type);
  }
  if (problems.length > 0) throw new EnvironmentOutputsError(problems.join('\n'));
  return resolved;
}

function convert(raw: string, type: JsonSchema['type']): unknown {
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  // CloudFormation outputs cannot be empty: the environment writes an empty list as "none".
  if (type === 'array') return raw === 'none' ? [] : raw.split(',').map((item) => item.trim());
  return raw;
}
