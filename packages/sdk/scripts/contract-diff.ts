/**
 * Classifies every difference between two OpenAPI 3.1 documents as breaking or not, for a client
 * compiled against the older one (the SDK's generated types included).
 *
 * Hand-written because no maintained npm differ reads OpenAPI 3.1: openapi-diff 0.24.1 rejects the
 * document ("Unsupported OpenAPI version: 3.1.0. Swagger Parser only supports versions 3.0.x"), and
 * @useoptic/standard-rulesets 1.0.9 fails at import time (its spectral/ajv pair does not compile) and
 * pulls ~90 MB of dependencies. It covers what the API's route schemas emit; anything it cannot
 * reason about (a changed oneOf/allOf, a changed pattern) is reported as breaking, never ignored.
 *
 * Direction matters: a request schema may only get more permissive (clients keep sending what they
 * sent), a response schema may only promise more (clients keep reading what they read).
 */
import type { JsonSchema as Schema, MediaTypes as Content, Parameter } from './json-schema.ts';

export type { JsonSchema as Schema } from './json-schema.ts';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: Content & { required?: boolean };
  responses?: Record<string, Content>;
}

export interface ContractDocument {
  openapi: string;
  info?: { version?: string };
  security?: Record<string, string[]>[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface ContractChange {
  readonly breaking: boolean;
  /** `GET /v1/tasks/{taskId}`, or `(document)`. */
  readonly operation: string;
  /** One sentence in words, e.g. "response 200 field `dueDate` was removed". */
  readonly message: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
type Direction = 'request' | 'response';

class Differ {
  readonly changes: ContractChange[] = [];
  private readonly before: ContractDocument;
  private readonly after: ContractDocument;
  private readonly visiting = new Set<string>();

  constructor(before: ContractDocument, after: ContractDocument) {
    this.before = before;
    this.after = after;
  }

  add(breaking: boolean, operation: string, message: string): void {
    this.changes.push({ breaking, operation, message });
  }

  run(): void {
    const oldOps = operationsOf(this.before);
    const newOps = operationsOf(this.after);
    for (const [key, op] of oldOps) {
      const next = newOps.get(key);
      if (!next) this.add(true, key, 'operation was removed');
      else this.operation(key, op, next);
    }
    for (const key of newOps.keys()) if (!oldOps.has(key)) this.add(false, key, 'operation was added');
  }

  private operation(key: string, before: Operation, after: Operation): void {
    this.security(key, before.security ?? this.before.security ?? [], after.security ?? this.after.security ?? []);
    this.parameters(key, before.parameters ?? [], after.parameters ?? []);
    this.requestBody(key, before.requestBody, after.requestBody);
    this.responses(key, before.responses ?? {}, after.responses ?? {});
  }

  private security(key: string, before: Record<string, string[]>[], after: Record<string, string[]>[]): void {
    const anonymous = (s: Record<string, string[]>[]) => s.length === 0 || s.some((r) => Object.keys(r).length === 0);
    const norm = (s: Record<string, string[]>[]) => JSON.stringify(s.map((r) => Object.entries(r).sort()).sort());
    if (norm(before) === norm(after)) return;
    if (anonymous(before) && !anonymous(after)) this.add(true, key, 'now requires authentication');
    else if (!anonymous(before) && anonymous(after)) this.add(false, key, 'no longer requires authentication');
    else this.add(true, key, `authentication changed from ${norm(before)} to ${norm(after)}`);
  }

  private parameters(key: string, before: Parameter[], after: Parameter[]): void {
    const id = (p: Parameter) => `${p.in} parameter \`${p.name}\``;
    const next = new Map(after.map((p) => [id(p), p]));
    const prev = new Map(before.map((p) => [id(p), p]));
    for (const [name, p] of prev) {
      const q = next.get(name);
      if (!q) {
        // Clients still send it; a server that validates its input may now reject it.
        this.add(true, key, `${name} was removed`);
        continue;
      }
      if (!p.required && q.required) this.add(true, key, `${name} became required`);
      if (p.required && !q.required) this.add(false, key, `${name} became optional`);
      this.schema(key, name, p.schema ?? {}, q.schema ?? {}, 'request');
    }
    for (const [name, q] of next) {
      if (!prev.has(name))
        this.add(Boolean(q.required), key, `${q.required ? 'required' : 'optional'} ${name} was added`);
    }
  }

  private requestBody(key: string, before: Operation['requestBody'], after: Operation['requestBody']): void {
    if (!before && !after) return;
    if (!before) {
      this.add(Boolean(after?.required), key, `${after?.required ? 'required' : 'optional'} request body was added`);
      return;
    }
    if (!after) {
      this.add(true, key, 'request body was removed');
      return;
    }
    if (!before.required && after.required) this.add(true, key, 'request body became required');
    if (before.required && !after.required) this.add(false, key, 'request body became optional');
    this.content(key, 'request body', before.content ?? {}, after.content ?? {}, 'request');
  }

  private responses(key: string, before: Record<string, Content>, after: Record<string, Content>): void {
    for (const [status, response] of Object.entries(before)) {
      const next = after[status];
      if (!next) {
        this.add(true, key, `response status ${status} was removed`);
        continue;
      }
      this.content(key, `response ${status}`, response.content ?? {}, next.content ?? {}, 'response');
    }
    for (const status of Object.keys(after)) {
      if (status in before) continue;
      // A new success status changes what a working call returns; a new error status is one more
      // APIError (the SDK maps any status it does not know to the APIError base class).
      const success = /^[23]/.test(status);
      this.add(success, key, `response status ${status} was added`);
    }
  }

  private content(
    key: string,
    where: string,
    before: Record<string, { schema?: Schema }>,
    after: Record<string, { schema?: Schema }>,
    direction: Direction,
  ): void {
    for (const [type, media] of Object.entries(before)) {
      const next = after[type];
      if (!next) this.add(true, key, `${where} no longer accepts or returns ${type}`);
      else this.schema(key, `${where} (${type})`, media.schema ?? {}, next.schema ?? {}, direction);
    }
    // A response that had no body may gain one; one that had a body may now answer in a type the
    // client does not parse.
    const hadBody = Object.keys(before).length > 0;
    for (const type of Object.keys(after)) {
      if (!(type in before)) this.add(direction === 'response' && hadBody, key, `${where} now also uses ${type}`);
    }
  }

  private resolve(doc: ContractDocument, schema: Schema): { schema: Schema; ref?: string } {
    const ref = schema.$ref;
    if (!ref) return { schema };
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const target = name === undefined ? undefined : doc.components?.schemas?.[name];
    if (!target) throw new Error(`cannot resolve $ref ${ref}: only #/components/schemas/<name> is supported`);
    return { ...this.resolve(doc, target), ref: name };
  }

  private schema(key: string, where: string, rawBefore: Schema, rawAfter: Schema, direction: Direction): void {
    const b = this.resolve(this.before, rawBefore);
    const a = this.resolve(this.after, rawAfter);
    // A recursive schema is compared once per pair of components.
    const pair = b.ref && a.ref ? `${direction}:${b.ref}->${a.ref}` : undefined;
    if (pair) {
      if (this.visiting.has(pair)) return;
      this.visiting.add(pair);
    }
    try {
      this.compare(key, where, b.schema, a.schema, direction);
    } finally {
      if (pair) this.visiting.delete(pair);
    }
  }

  private compare(key: string, where: string, before: Schema, after: Schema, direction: Direction): void {
    if (expanded(this.before, before) === expanded(this.after, after)) return;
    const request = direction === 'request';

    // Finite sets of values (enum, const, or a union of them: TypeBox emits anyOf of single enums).
    const oldValues = valuesOf(this.before, before);
    const newValues = valuesOf(this.after, after);
    if (oldValues && newValues) {
      for (const v of oldValues) {
        // A removed value breaks both ways: requests with it fail, and code naming it no longer compiles.
        if (!newValues.has(v)) this.add(true, key, `${where}: value ${JSON.stringify(JSON.parse(v))} was removed`);
      }
      for (const v of newValues) {
        // A new response value reaches code that switches over the old ones.
        if (!oldValues.has(v)) this.add(!request, key, `${where}: value ${JSON.stringify(JSON.parse(v))} was added`);
      }
      return;
    }

    // Nullable wrappers: anyOf [X, {type: null}] compares X and the null-ness separately.
    const oldBranch = nullable(before);
    const newBranch = nullable(after);
    if (oldBranch || newBranch) {
      const oldNull = Boolean(oldBranch) || typesOf(before).has('null');
      const newNull = Boolean(newBranch) || typesOf(after).has('null');
      if (oldNull && !newNull) this.add(request, key, `${where} is no longer nullable`);
      if (!oldNull && newNull) this.add(!request, key, `${where} became nullable`);
      this.schema(key, where, oldBranch ?? before, newBranch ?? after, direction);
      return;
    }

    for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (before[combinator] || after[combinator]) {
        this.add(true, key, `${where}: ${combinator} changed (not classified: treated as breaking)`);
        return;
      }
    }

    const oldTypes = typesOf(before);
    const newTypes = typesOf(after);
    if (oldTypes.size > 0 || newTypes.size > 0) {
      const accepts = (set: Set<string>, t: string) =>
        set.size === 0 || set.has(t) || (t === 'integer' && set.has('number'));
      for (const t of oldTypes) {
        if (!accepts(newTypes, t)) this.add(request, key, `${where}: type ${t} is no longer allowed`);
      }
      for (const t of newTypes) {
        if (!accepts(oldTypes, t)) this.add(!request, key, `${where}: type ${t} is now allowed`);
      }
    }

    this.constraints(key, where, before, after, request);
    this.object(key, where, before, after, direction);
    if (before.items || after.items) this.schema(key, `${where}[]`, before.items ?? {}, after.items ?? {}, direction);
  }

  private constraints(key: string, where: string, before: Schema, after: Schema, request: boolean): void {
    // Only requests are narrowed by a constraint: a response value that satisfied the old bounds
    // is still readable. Widening a response bound is reported, not breaking.
    const lower = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems'] as const;
    const upper = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems'] as const;
    for (const k of lower) {
      const o = before[k];
      const n = after[k];
      if (o === n) continue;
      const narrowed = n !== undefined && (o === undefined || n > o);
      this.add(request && narrowed, key, `${where}: ${k} changed from ${String(o)} to ${String(n)}`);
    }
    for (const k of upper) {
      const o = before[k];
      const n = after[k];
      if (o === n) continue;
      const narrowed = n !== undefined && (o === undefined || n < o);
      this.add(request && narrowed, key, `${where}: ${k} changed from ${String(o)} to ${String(n)}`);
    }
    for (const k of ['pattern', 'format'] as const) {
      if (before[k] === after[k]) continue;
      const narrowed = after[k] !== undefined;
      this.add(request && narrowed, key, `${where}: ${k} changed from ${String(before[k])} to ${String(after[k])}`);
    }
  }

  private object(key: string, where: string, before: Schema, after: Schema, direction: Direction): void {
    const request = direction === 'request';
    const visible = (s: Schema | undefined) => Boolean(s) && !(request ? s?.readOnly : s?.writeOnly);
    const oldProps = before.properties ?? {};
    const newProps = after.properties ?? {};
    const oldRequired = new Set(before.required ?? []);
    const newRequired = new Set(after.required ?? []);
    const closed = after.additionalProperties === false;
    for (const [name, schema] of Object.entries(oldProps)) {
      const next = newProps[name];
      const field = `${where} field \`${name}\``;
      if (!visible(schema)) {
        if (visible(next)) this.add(request && newRequired.has(name), key, `${field} is now part of the ${direction}`);
        continue;
      }
      if (!visible(next)) {
        // Readers lose it; writers that still send it are rejected only if the object is closed.
        this.add(!request || closed, key, `${field} was removed`);
        continue;
      }
      if (oldRequired.has(name) && !newRequired.has(name)) this.add(!request, key, `${field} became optional`);
      if (!oldRequired.has(name) && newRequired.has(name)) this.add(request, key, `${field} became required`);
      this.schema(key, field, schema, next ?? {}, direction);
    }
    for (const [name, schema] of Object.entries(newProps)) {
      if (name in oldProps || !visible(schema)) continue;
      const required = newRequired.has(name);
      this.add(request && required, key, `${required ? 'required' : 'optional'} ${where} field \`${name}\` was added`);
    }
    const oldExtra = before.additionalProperties;
    const newExtra = after.additionalProperties;
    if (JSON.stringify(oldExtra) !== JSON.stringify(newExtra)) {
      if (typeof oldExtra === 'object' && typeof newExtra === 'object') {
        this.schema(key, `${where} additional properties`, oldExtra, newExtra, direction);
      } else {
        const closedNow = newExtra === false && oldExtra !== false;
        this.add(request && closedNow, key, `${where}: additionalProperties changed`);
      }
    }
  }
}

function operationsOf(doc: ContractDocument): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (op && typeof op === 'object') ops.set(`${method.toUpperCase()} ${path}`, op);
    }
  }
  return ops;
}

function typesOf(schema: Schema): Set<string> {
  if (schema.type === undefined) return new Set();
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}

/** `anyOf: [X, {type: 'null'}]` → X; undefined for anything else. */
function nullable(schema: Schema): Schema | undefined {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches || branches.length !== 2) return undefined;
  const isNull = (s: Schema) => s.type === 'null';
  const other = branches.find((s) => !isNull(s));
  return branches.some(isNull) && other ? other : undefined;
}

function valuesOf(doc: ContractDocument, schema: Schema): Set<string> | undefined {
  if ('const' in schema) return new Set([JSON.stringify(schema.const)]);
  if (schema.enum) return new Set(schema.enum.map((v) => JSON.stringify(v)));
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) return undefined;
  const out = new Set<string>();
  for (const branch of branches) {
    const resolved = branch.$ref ? resolveIn(doc, branch) : branch;
    const values = resolved ? valuesOf(doc, resolved) : undefined;
    if (!values) return undefined;
    for (const v of values) out.add(v);
  }
  return out;
}

/** The schema with every $ref inlined (a recursive one stays a $ref), as JSON: equal means unchanged. */
function expanded(doc: ContractDocument, schema: Schema): string {
  const inline = (value: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => inline(v, seen));
    if (!value || typeof value !== 'object') return value;
    const ref = (value as Schema).$ref;
    if (typeof ref === 'string' && !seen.includes(ref)) {
      return inline(resolveIn(doc, value as Schema) ?? value, [...seen, ref]);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(v, seen)]));
  };
  return JSON.stringify(inline(schema, []));
}

function resolveIn(doc: ContractDocument, schema: Schema): Schema | undefined {
  const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref ?? '')?.[1];
  return name === undefined ? undefined : doc.components?.schemas?.[name];
}

/** Every difference between `before` (the released contract) and `after`, in words. */
export function diffContracts(before: ContractDocument, after: ContractDocument): ContractChange[] {
  for (const doc of [before, after]) {
    if (!/^3\.1\./.test(doc.openapi)) throw new Error(`expected an OpenAPI 3.1 document, got openapi: ${doc.openapi}`);
  }
  const differ = new Differ(before, after);
  differ.run();
  return differ.changes;
}
