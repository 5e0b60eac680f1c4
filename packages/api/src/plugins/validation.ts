import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchema } from 'fastify';
import type { FieldError } from '../http/problem.ts';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type ValidatorFactory = (externalSchemas: Record<string, unknown>) => FastifySchemaCompiler<FastifySchema>;

/**
 * Two validators: query strings, params and headers are text on the wire and get their
 * types coerced; JSON bodies are taken as sent, so `"title": 123` is an error rather than
 * the string "123". Unknown body fields are rejected (no `removeAdditional`).
 */
export const buildValidatorFactory = (): ValidatorFactory => (externalSchemas) => {
  const make = (coerceTypes: false | 'array'): Ajv => {
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
    addFormats(ajv);
    for (const schema of Object.values(externalSchemas)) ajv.addSchema(schema as object);
    return ajv;
  };
  const bodies = make(false);
  const text = make('array');
  // Routes share many schemas (params, pages, the same body under POST and PUT): compile each once.
  const compiled = new Map<string, ReturnType<FastifySchemaCompiler<FastifySchema>>>();
  return ({ schema, httpPart }) => {
    const key = `${httpPart === 'body' ? 'body' : 'text'}:${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = (httpPart === 'body' ? bodies : text).compile(schema as object) as ReturnType<
        FastifySchemaCompiler<FastifySchema>
      >;
      compiled.set(key, validate);
    }
    return validate;
  };
};

const PART_NAMES: Record<string, string> = { querystring: 'query', params: 'path', headers: 'header', body: 'body' };

/** Turns Ajv errors into per-field errors with JSON pointers such as `/body/title`. */
export function fieldErrors(context: string, errors: readonly ErrorObject[]): FieldError[] {
  const part = PART_NAMES[context] ?? context;
  return errors.map((error) => {
    let pointer = error.instancePath;
    if (error.keyword === 'required') pointer += `/${String(error.params.missingProperty)}`;
    if (error.keyword === 'additionalProperties') pointer += `/${String(error.params.additionalProperty)}`;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') message = 'is not a known field';
    if (error.keyword === 'required') message = 'is required';
    if (error.keyword === 'enum' || (error.keyword === 'anyOf' && error.params))
      message = message.replace(/^must match a schema in anyOf$/, 'has an invalid value');
    return { path: `/${part}${pointer}`, message };
  });
}
