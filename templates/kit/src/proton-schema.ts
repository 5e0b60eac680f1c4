import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A JSON-schema object as Proton schema files write it (OpenAPI 3 schema objects). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly title?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly [keyword: string]: unknown;
}

/** Which bundle a schema belongs to: decides the key that names the input type. */
export type TemplateKind = 'environment' | 'service';

/** The `schema:` block of a Proton `schema.yaml`. */
export interface ProtonSchemaDocument {
  readonly schema: {
    readonly format: { readonly openapi: string };
    readonly environment_input_type?: string;
    readonly service_input_type?: string;
    readonly pipeline_input_type?: string;
    readonly types: Readonly<Record<string, JsonSchema>>;
  };
}

export class SchemaDocumentError extends Error {
  override name = 'SchemaDocumentError';
}

const INPUT_TYPE_KEY = {
  environment: 'environment_input_type',
  service: 'service_input_type',
} as const;

export function parseProtonSchema(text: string, source: string): ProtonSchemaDocument {
  const document: unknown = parse(text);
  if (!isRecord(document) || !isRecord(document.schema)) {
    throw new SchemaDocumentError(`${source}: expected a top-level "schema:" mapping`);
  }
  const schema = document.schema;
  if (!isRecord(schema.format) || typeof schema.format.openapi !== 'string') {
    throw new SchemaDocumentError(`${source}: schema.format.openapi must name the OpenAPI version`);
  }
  if (!isRecord(schema.types)) throw new SchemaDocumentError(`${source}: schema.types must be a mapping`);
  return document as unknown as ProtonSchemaDocument;
}

export function loadProtonSchema(path: string): ProtonSchemaDocument {
  return parseProtonSchema(readFileSync(path, 'utf8'), path);
}

/** The JSON schema of the input type a spec's `spec:` block must satisfy. */
export function inputTypeOf(document: ProtonSchemaDocument, kind: TemplateKind): JsonSchema {
  const key = INPUT_TYPE_KEY[kind];
  const typeName = document.schema[key];
  if (!typeName) throw new SchemaDocumentError(`schema.${key} is not set`);
  const type = document.schema.types[typeName];
  if (!type) throw new SchemaDocumentError(`schema.${key} names "${typeName}", which is not in schema.types`);
  return type;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
