import { isRecord, resolveRef, type OpenApiDocument, type SchemaObject } from './openapi-document.ts';

/**
 * API Gateway request models accept JSON Schema draft 4. This converts an OpenAPI 3.1
 * (JSON Schema 2020-12) or 3.0 schema: `$ref`s are inlined, `const` becomes a one-value `enum`,
 * numeric `exclusiveMinimum`/`exclusiveMaximum` become draft-4 booleans, 3.0's `nullable` becomes
 * a type union, and keywords draft 4 does not know are dropped (they only loosen validation,
 * and the service validates every request again).
 */
export function toApiGatewayModelSchema(schema: SchemaObject, document: OpenApiDocument): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-04/schema#', ...convert(schema, document, []) };
}

const KEPT = new Set([
  'type',
  'title',
  'description',
  'enum',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
]);
/** Formats draft 4 defines; others (uuid, date) are unknown to API Gateway's validator and dropped. */
const DRAFT4_FORMATS = new Set(['date-time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf']);

function convert(input: unknown, document: OpenApiDocument, seen: readonly string[]): Record<string, unknown> {
  if (!isRecord(input)) return {};
  if (typeof input.$ref === 'string') {
    // A recursive schema cannot be inlined; accept anything below the cycle.
    if (seen.includes(input.$ref)) return {};
    return convert(resolveRef(input, document), document, [...seen, input.$ref]);
  }
  const output: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(input)) {
    if (KEPT.has(keyword)) output[keyword] = value;
    else if (keyword === 'format' && typeof value === 'string' && DRAFT4_FORMATS.has(value)) output.format = value;
    else if (SCHEMA_LISTS.has(keyword) && Array.isArray(value)) {
      output[keyword] = value.map((item) => convert(item, document, seen));
    } else if (keyword === 'not') output.not = convert(value, document, seen);
    else if (keyword === 'items' && isRecord(value)) output.items = convert(value, document, seen);
    else if (keyword === 'properties' && isRecord(value)) {
      output.properties = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, convert(property, document, seen)]),
      );
    } else if (keyword === 'additionalProperties') {
      output.additionalProperties = typeof value === 'boolean' ? value : convert(value, document, seen);
    } else if (keyword === 'const') output.enum = [value];
    else if ((keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') && typeof value === 'number') {
      output[keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      output[keyword] = true;
    }
  }
  if (input.nullable === true && typeof output.type === 'string') output.type = [output.type, 'null'];
  return output;
}
