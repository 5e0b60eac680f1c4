/**
 * The JSON Schema keywords of an OpenAPI 3.1 document that the SDK's scripts read: the generator
 * (generate.ts and its modules), the `paths` types (generate-openapi-types.ts) and the contract
 * diff (contract-diff.ts). One shape, so a keyword one of them starts reading is typed for all.
 */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
  description?: string;
  format?: string;
  default?: unknown;
  deprecated?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** A parameter object (no `$ref`: callers that allow references say so themselves). */
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

/** The `content` of a request body or response. */
export interface MediaTypes {
  description?: string;
  content?: Record<string, { schema?: JsonSchema }>;
}
