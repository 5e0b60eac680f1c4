import type { Problem } from '../generated/types.ts';

/**
 * Every problem `type` the API documents (the enum on the contract's Problem schema). A newer
 * server may send a type this SDK version does not know: nothing validates it at runtime, so keep
 * a default branch when you switch on it.
 */
export type ProblemType = Problem['type'];

/** Base class of every error this SDK throws. */
export class TaskboardError extends Error {
  // Explicit names survive minification, so logs stay readable in bundled apps.
  override name = 'TaskboardError';
}

/**
 * A request that did not produce a successful response. `status`, `problem` and `headers` are
 * undefined when no response arrived (connection error, timeout, abort).
 */
export class APIError extends TaskboardError {
  override name = 'APIError';
  /** The HTTP status; each subclass narrows it (e.g. `NotFoundError#status` is `404`). */
  readonly status: number | undefined;
  /** The problem+json body, when the server sent one. */
  readonly problem: Problem | undefined;
  /** The `x-request-id` of the response (or the problem body): quote it in bug reports. */
  readonly requestId: string | undefined;
  readonly headers: Headers | undefined;

  constructor(
    status: number | undefined,
    problem: Problem | undefined,
    requestId: string | undefined,
    headers: Headers | undefined,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? describe(status, problem), options);
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
    this.headers = headers;
  }
}

function describe(status: number | undefined, problem: Problem | undefined): string {
  const title = problem?.title ?? 'status code';
  return `${status} ${title}${problem?.detail ? `: ${problem.detail}` : ''}`;
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
  declare readonly status: 400;
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
  declare readonly status: 401;
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
  declare readonly status: 403;
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
  declare readonly status: 404;
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
  declare readonly status: 409;
}
/** The `If-Match` ETag is stale: someone else changed the resource; re-read and retry. */
export class PreconditionFailedError extends APIError {
  override name = 'PreconditionFailedError';
  declare readonly status: 412;
}
export class PayloadTooLargeError extends APIError {
  override name = 'PayloadTooLargeError';
  declare readonly status: 413;
}
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
  declare readonly status: 422;
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
  declare readonly status: 429;
}
/** Any 5xx. */
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
  declare readonly status: number;
}

/** No response: DNS, refused connection, reset, CORS rejection, unreadable body. */
export class APIConnectionError extends APIError {
  override name = 'APIConnectionError';
  declare readonly status: undefined;
  constructor(message = 'Connection error.', cause?: unknown) {
    super(undefined, undefined, undefined, undefined, message, { cause });
  }
}

/** The request took longer than `timeout` (per attempt). */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  constructor() {
    super('Request timed out.');
  }
}

/** The caller's AbortSignal fired. Never retried. */
export class APIUserAbortError extends APIError {
  override name = 'APIUserAbortError';
  declare readonly status: undefined;
  constructor(cause?: unknown) {
    super(undefined, undefined, undefined, undefined, 'Request was aborted.', { cause });
  }
}

const byStatus: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** Maps an error response to the most specific class; unlisted 4xx stay plain `APIError`. */
export function errorFor(
  status: number,
  problem: Problem | undefined,
  requestId: string | undefined,
  headers: Headers,
  message?: string,
): APIError {
  const Ctor = status >= 500 ? InternalServerError : (byStatus[status] ?? APIError);
  return new Ctor(status, problem, requestId, headers, message);
}
