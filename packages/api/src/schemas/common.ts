import { Type, type Static, type TSchema, type TSchemaOptions, type TUnsafe } from 'typebox';
import { PROBLEM_TYPES } from '../http/problem.ts';
import { PROBLEM_EXAMPLES } from './examples.ts';

// The pattern as well as the format: ajv's uuid format also accepts a `urn:uuid:` prefix, which
// PostgreSQL's uuid type does not.
export const Uuid = Type.String({
  format: 'uuid',
  pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
  description: 'A UUID (v7 for ids this API creates).',
});
export const UserId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_.:@-]+$',
  description: "A user's id: the `sub` of their Cognito token.",
});
export const Timestamp = Type.String({ format: 'date-time', readOnly: true });

export const FieldErrorSchema = Type.Object(
  {
    path: Type.String({ description: 'JSON pointer into the request, e.g. /body/title' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    // An enum, so the contract (and the SDK's `Problem['type']` union) lists every type this API
    // sends; clients must still tolerate types a newer server adds (nothing validates responses).
    type: Type.Enum(
      Object.values(PROBLEM_TYPES).map((p) => p.type),
      { type: 'string', description: 'Stable identifier of the kind of problem, e.g. /problems/not-found' },
    ),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  {
    $id: 'Problem',
    title: 'Problem',
    description: 'RFC 9457 problem details (application/problem+json).',
    examples: PROBLEM_EXAMPLES,
  },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size.' })),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'The nextCursor of the previous page.' }),
  ),
};

/**
 * A `$ref` to a schema registered with `app.addSchema`: the document keeps `{ "$ref": "<$id>" }`,
 * while the type provider types the value as the referenced schema, so handlers follow its changes.
 */
export function refTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const { $id } = schema as TSchemaOptions & T;
  if ($id === undefined) throw new TypeError('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref($id));
}

export function PageOf<T extends TSchema>(item: T, name: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'Pass as `cursor` to get the next page; null on the last page.',
      }),
    },
    { title: name, additionalProperties: false },
  );
}

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'ETag of the version being replaced or deleted; 412 when stale.' }),
  ),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Makes a retried POST safe: the same key with the same body returns the first response without a second write.',
    }),
  ),
});

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});

/** The error responses every authenticated operation can produce. */
export const commonErrors = {
  400: problem('Invalid request: validation errors, malformed JSON or a bad cursor.'),
  401: problem('Missing, expired or invalid access token.'),
  429: problem('Rate limit exceeded; see Retry-After.'),
  500: problem('Unexpected server error; the body carries no internals.'),
  503: problem('Temporarily unavailable; retry after Retry-After.'),
} as const;

export const errorResponses = {
  403: problem('The caller may see the resource but not do this.'),
  404: problem('No such resource, or the caller may not see it.'),
  409: problem('Conflicts with the current state.'),
  412: problem('If-Match does not match the current version.'),
  413: problem('Body larger than the configured limit.'),
  415: problem('Content-Type is not application/json.'),
  422: problem('Well-formed but unprocessable, e.g. an Idempotency-Key reused with a different body.'),
} as const;
