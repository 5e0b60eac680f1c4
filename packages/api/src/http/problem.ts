/**
 * RFC 9457 problem details. `type` values are stable identifiers callers may branch on;
 * they are relative URIs under /problems/ and listed in the README.
 */

export interface FieldError {
  /** JSON pointer into the request part, e.g. `/body/title` or `/query/limit`. */
  readonly path: string;
  readonly message: string;
}

export interface ProblemBody {
  type: ProblemType;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_TYPES = {
  validation: { type: '/problems/validation-error', title: 'Request validation failed', status: 400 },
  malformedJson: { type: '/problems/malformed-json', title: 'Malformed JSON body', status: 400 },
  invalidCursor: { type: '/problems/invalid-cursor', title: 'Invalid pagination cursor', status: 400 },
  unauthorized: { type: '/problems/unauthorized', title: 'Authentication required', status: 401 },
  forbidden: { type: '/problems/forbidden', title: 'Not allowed', status: 403 },
  notFound: { type: '/problems/not-found', title: 'Resource not found', status: 404 },
  methodNotAllowed: { type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
  conflict: { type: '/problems/conflict', title: 'Conflict', status: 409 },
  // Nothing sends this today (a concurrent retry replays the winner's response), but it is in the
  // released contract (openapi.json, the SDK's ProblemType, sdk/contract/released.json): removing
  // a value is a breaking change to the contract check and to SDK users who compare against it.
  idempotencyKeyInUse: { type: '/problems/idempotency-key-in-use', title: 'Idempotency key in use', status: 409 },
  preconditionFailed: { type: '/problems/precondition-failed', title: 'Precondition failed', status: 412 },
  payloadTooLarge: { type: '/problems/payload-too-large', title: 'Payload too large', status: 413 },
  unsupportedMediaType: { type: '/problems/unsupported-media-type', title: 'Unsupported media type', status: 415 },
  idempotencyKeyMismatch: {
    type: '/problems/idempotency-key-mismatch',
    title: 'Idempotency key reused with a different request',
    status: 422,
  },
  unprocessable: { type: '/problems/unprocessable', title: 'Unprocessable request', status: 422 },
  rateLimited: { type: '/problems/rate-limited', title: 'Too many requests', status: 429 },
  internal: { type: '/problems/internal', title: 'Internal server error', status: 500 },
  unavailable: { type: '/problems/unavailable', title: 'Service unavailable', status: 503 },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;
/** Every `type` this API sends; openapi.json lists them as the Problem schema's enum. */
export type ProblemType = (typeof PROBLEM_TYPES)[ProblemKind]['type'];

/** An error that becomes a problem+json response as it is. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly kind: ProblemKind;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    kind: ProblemKind,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; status?: number; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    // A client error Fastify detected keeps its own status under the nearest kind.
    this.status = options.status ?? PROBLEM_TYPES[kind].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  /** Fastify and its plugins read `statusCode` from thrown errors. */
  get statusCode(): number {
    return this.status;
  }

  toBody(requestId: string, instance: string): ProblemBody {
    const { type, title } = PROBLEM_TYPES[this.kind];
    const body: ProblemBody = { type, title, status: this.status, detail: this.message, instance, requestId };
    if (this.errors !== undefined) body.errors = this.errors;
    return body;
  }
}

export const notFound = (what: string): HttpProblem => new HttpProblem('notFound', `${what} not found`);
export const forbidden = (detail: string): HttpProblem => new HttpProblem('forbidden', detail);
