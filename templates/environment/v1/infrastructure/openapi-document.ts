import { readFileSync } from 'node:fs';

/** The parts of an OpenAPI 3.0/3.1 document the API Gateway definition is generated from. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: {
    readonly schemas?: Readonly<Record<string, SchemaObject>>;
    readonly securitySchemes?: Readonly<Record<string, { readonly type: string; readonly scheme?: string }>>;
  };
  readonly security?: readonly SecurityRequirement[];
  /** The api's CORS allow-list (written by the api's `npm run openapi`); read with {@link corsPolicyOf}. */
  readonly [CORS_EXTENSION]?: unknown;
}

/** The top-level extension the api writes its CORS allow-list to (packages/api/src/http/cors-policy.ts). */
export const CORS_EXTENSION = 'x-taskboard-cors';

/** The api's CORS allow-list: API Gateway's preflight and gateway responses must allow the same. */
export interface CorsPolicy {
  /** Request headers a browser may send, lower case. */
  readonly allowHeaders: readonly string[];
  /** Response headers a browser script may read, lower case. */
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/** A JSON Schema (2020-12 in OpenAPI 3.1, the OpenAPI 3.0 dialect otherwise). */
export type SchemaObject = Readonly<Record<string, unknown>>;
type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD';
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'];

export interface OperationParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
}

/** One operation, flattened: what API Gateway needs to create one method. */
export interface ApiOperation {
  readonly path: string;
  readonly method: HttpMethod;
  readonly operationId: string;
  /** True when the operation requires the bearer (Cognito JWT) scheme. */
  readonly secured: boolean;
  readonly parameters: readonly OperationParameter[];
  /** The JSON request body schema, with `$ref`s still in place. */
  readonly jsonBodySchema?: SchemaObject;
  readonly bodyRequired: boolean;
}

export class OpenApiDocumentError extends Error {
  override name = 'OpenApiDocumentError';
}

export function loadOpenApiDocument(path: string): OpenApiDocument {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new OpenApiDocumentError(`${path}: cannot read the OpenAPI document (${(error as Error).message})`);
  }
  return parseOpenApiDocument(document, path);
}

export function parseOpenApiDocument(document: unknown, source: string): OpenApiDocument {
  if (!isRecord(document) || typeof document.openapi !== 'string' || !/^3\.[01]\./.test(document.openapi)) {
    throw new OpenApiDocumentError(`${source}: expected an OpenAPI 3.0 or 3.1 document ("openapi": "3.x.y")`);
  }
  if (!isRecord(document.paths)) throw new OpenApiDocumentError(`${source}: "paths" must be an object`);
  return document as unknown as OpenApiDocument;
}

/**
 * Lists every operation. An operation is secured when its effective security requirements
 * (its own `security`, else the document's) name a scheme of type http/bearer; `security: []` opts out.
 */
export function listOperations(document: OpenApiDocument): ApiOperation[] {
  const bearerSchemes = new Set(
    Object.entries(document.components?.securitySchemes ?? {})
      .filter(([, scheme]) => scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer')
      .map(([name]) => name),
  );
  const operations: ApiOperation[] = [];
  const operationIds = new Set<string>();
  for (const [path, pathItem] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) throw new OpenApiDocumentError(`paths."${path}": must start with "/"`);
    const shared = parametersOf(pathItem.parameters, document, path);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method.toLowerCase()];
      if (!isRecord(operation)) continue;
      const where = `${method} ${path}`;
      if (typeof operation.operationId !== 'string')
        throw new OpenApiDocumentError(`${where}: operationId is required`);
      if (operationIds.has(operation.operationId)) {
        throw new OpenApiDocumentError(`${where}: operationId "${operation.operationId}" is used twice`);
      }
      operationIds.add(operation.operationId);
      const security = (operation.security ?? document.security ?? []) as readonly SecurityRequirement[];
      const secured = security.some((requirement) => Object.keys(requirement).some((name) => bearerSchemes.has(name)));
      const own = parametersOf(operation.parameters, document, where);
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      for (const name of pathTemplateNames(path)) {
        if (!parameters.some((p) => p.in === 'path' && p.name === name)) {
          throw new OpenApiDocumentError(`${where}: path parameter "${name}" is not declared`);
        }
      }
      const body = resolveRef(operation.requestBody, document);
      const content = isRecord(body) && isRecord(body.content) ? body.content : {};
      const json = content['application/json'];
      operations.push({
        path,
        method,
        operationId: operation.operationId,
        secured,
        parameters,
        ...(isRecord(json) && isRecord(json.schema) ? { jsonBodySchema: json.schema } : {}),
        bodyRequired: isRecord(body) && body.required === true,
      });
    }
  }
  return operations;
}

/** RFC 9110 field names (tokens); lower case, as the api writes them. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The CORS allow-list the api published in its document. Missing or malformed means the document
 * predates it or was edited by hand: regenerate it rather than guess a list that may drift again.
 */
export function corsPolicyOf(document: OpenApiDocument): CorsPolicy {
  const where = `"${CORS_EXTENSION}"`;
  const policy = document[CORS_EXTENSION];
  if (!isRecord(policy)) {
    throw new OpenApiDocumentError(
      `${where} is missing from the OpenAPI document: run \`npm run openapi -w @taskboard/api\``,
    );
  }
  const headers = (name: 'allowHeaders' | 'exposeHeaders'): string[] => {
    const list = policy[name];
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && HEADER_NAME.test(item))) {
      throw new OpenApiDocumentError(`${where}.${name} must be a list of lower-case header names`);
    }
    return list as string[];
  };
  const maxAgeSeconds = policy.maxAgeSeconds;
  if (typeof maxAgeSeconds !== 'number' || !Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new OpenApiDocumentError(`${where}.maxAgeSeconds must be a whole number of seconds`);
  }
  return { allowHeaders: headers('allowHeaders'), exposeHeaders: headers('exposeHeaders'), maxAgeSeconds };
}

export function pathTemplateNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

function parametersOf(value: unknown, document: OpenApiDocument, where: string): OperationParameter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new OpenApiDocumentError(`${where}: parameters must be an array`);
  return value.flatMap((raw: unknown): OperationParameter[] => {
    const parameter = resolveRef(raw, document);
    if (!isRecord(parameter) || typeof parameter.name !== 'string') {
      throw new OpenApiDocumentError(`${where}: every parameter needs a name`);
    }
    if (parameter.in !== 'path' && parameter.in !== 'query' && parameter.in !== 'header') return []; // cookies pass through
    return [
      { name: parameter.name, in: parameter.in, required: parameter.in === 'path' || parameter.required === true },
    ];
  });
}

/** Follows a local `$ref` (`#/components/...`) once; other values are returned as they are. */
export function resolveRef(value: unknown, document: OpenApiDocument): unknown {
  if (!isRecord(value) || typeof value.$ref !== 'string') return value;
  const ref = value.$ref;
  if (!ref.startsWith('#/')) throw new OpenApiDocumentError(`$ref "${ref}": only local references are supported`);
  let target: unknown = document;
  for (const segment of ref.slice(2).split('/')) {
    target = isRecord(target) ? target[segment.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  if (target === undefined) throw new OpenApiDocumentError(`$ref "${ref}" does not resolve`);
  return target;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
