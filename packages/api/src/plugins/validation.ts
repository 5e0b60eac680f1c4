import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchema } from 'fastify';
import type { FieldError } from '../http/problem.ts';
import type { DeferredCompilations } from './deferred-compilation.ts';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type DateFormat = { validate: (text: string) => boolean; compare?: (a: string, b: string) => number | undefined };

/** ajv-formats' RFC 3339 full-date, minus year 0000, which it accepts and PostgreSQL's date type refuses. */
function refuseYearZero(ajv: Ajv): void {
  const date = ajv.formats.date as DateFormat;
  ajv.addFormat('date', { ...date, validate: (text: string) => !text.startsWith('0000') && date.validate(text) });
}

type ValidatorFactory = (externalSchemas: Record<string, unknown>) => FastifySchemaCompiler<FastifySchema>;

/** What Fastify calls: Ajv's validate function, whose `errors` it reads after a `false`. */
interface AjvLike {
  (data: unknown, dataCxt?: unknown): unknown;
  errors?: unknown;
  readonly schemaEnv?: unknown;
}

/**
 * A validate function that compiles on its first call (or the warm-up) and then behaves as Ajv's:
 * same result, same `errors`, and the `schemaEnv` Fastify checks before it passes the parent data
 * that lets Ajv coerce or default a root value.
 */
function deferredValidator(compiled: () => AjvLike): AjvLike {
  const validate: AjvLike = (data, dataCxt) => {
    const real = compiled();
    const valid = real(data, dataCxt);
    validate.errors = real.errors;
    return valid;
  };
  Object.defineProperty(validate, 'schemaEnv', { get: () => compiled().schemaEnv });
  return validate;
}

/**
 * Two validators: query strings, params and headers are text on the wire and get their
 * types coerced; JSON bodies are taken as sent, so `"title": 123` is an error rather than
 * the string "123". Unknown body fields are rejected (no `removeAdditional`).
 * Each distinct schema compiles once, on first use or in `compilations`' warm-up (why: there).
 */
export const buildValidatorFactory =
  (compilations: DeferredCompilations): ValidatorFactory =>
  (externalSchemas) => {
    const make = (coerceTypes: false | 'array'): Ajv => {
      const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
      addFormats(ajv);
      refuseYearZero(ajv);
      for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema as object);
      return ajv;
    };
    const bodies = compilations.defer(() => make(false));
    const text = compilations.defer(() => make('array'));
    // Routes share many schemas (params, pages, the same body under POST and PUT): compile each once.
    const compiled = new Map<string, AjvLike>();
    return ({ schema, httpPart }) => {
      const key = `${httpPart === 'body' ? 'body' : 'text'}:${JSON.stringify(schema)}`;
      let validate = compiled.get(key);
      if (validate === undefined) {
        const ajv = httpPart === 'body' ? bodies : text;
        validate = deferredValidator(compilations.defer(() => ajv().compile(schema as object) as AjvLike));
        compiled.set(key, validate);
      }
      return validate as ReturnType<FastifySchemaCompiler<FastifySchema>>;
    };
  };

const PART_NAMES: Record<string, string> = { querystring: 'query', params: 'path', headers: 'header', body: 'body' };

/** A 400 lists at most this many field errors; the rest are counted in its detail. */
export const MAX_FIELD_ERRORS = 20;
/** Longer pointers (a caller's own, very long key names) are cut, so one error cannot be large. */
export const MAX_POINTER_LENGTH = 200;

const shortened = (pointer: string): string =>
  pointer.length <= MAX_POINTER_LENGTH ? pointer : `${pointer.slice(0, MAX_POINTER_LENGTH - 1)}…`;

/** One field error per Ajv error, with a JSON pointer such as `/body/title`. */
function fieldError(part: string, error: ErrorObject): FieldError {
  let pointer = error.instancePath;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    pointer += `/${String(error.params.missingProperty)}`;
    message = 'is required';
  }
  if (error.keyword === 'additionalProperties') {
    pointer += `/${String(error.params.additionalProperty)}`;
    message = 'is not a known field';
  }
  return { path: shortened(`/${part}${pointer}`), message };
}

/**
 * What a failed `anyOf` (a union: an enum of literals, or a value or null) means for its field, in
 * one message instead of one per branch: the allowed values, or the non-null branch's complaint.
 */
function unionMessage(branches: readonly ErrorObject[]): string {
  const allowed = branches.filter((e) => e.keyword === 'const').map((e) => JSON.stringify(e.params.allowedValue));
  const nullable = branches.some((e) => e.keyword === 'type' && e.params.type === 'null');
  if (allowed.length > 0) return `must be one of ${allowed.join(', ')}${nullable ? ' or null' : ''}`;
  const nonNull = branches.filter((e) => !(e.keyword === 'type' && e.params.type === 'null'));
  const other = nonNull.find((e) => e.keyword === 'format') ?? nonNull[0];
  const message = other?.message ?? 'has an invalid value';
  return nullable ? `${message} (or be null)` : message;
}

/** Turns Ajv errors into per-field errors, one per field for unions. */
export function fieldErrors(context: string, errors: readonly ErrorObject[]): FieldError[] {
  const part = PART_NAMES[context] ?? context;
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const result: FieldError[] = [];
  for (const error of errors) {
    const path = error.instancePath;
    if (!unionPaths.has(path) || error.keyword === 'required' || error.keyword === 'additionalProperties') {
      result.push(fieldError(part, error));
    } else if (error.keyword === 'anyOf') {
      const branches = errors.filter((e) => e.instancePath === path && e.keyword !== 'anyOf');
      result.push({ path: shortened(`/${part}${path}`), message: unionMessage(branches) });
    }
  }
  return result;
}
