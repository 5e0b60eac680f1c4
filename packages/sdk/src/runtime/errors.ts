/** An RFC 9457 problem document, as every Taskboard error response carries. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  /** Per-field validation errors. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

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
  readonly status: number | undefined;
  /** The problem+json body, when the server sent one. */
  readonly problem: ProblemDetails | undefined;
  /** The `x-request-id` of the response (or the problem body): quote it in bug reports. */
  readonly requestId: string | undefined;
  readonly headers: Headers | undefined;

  constructor(
    status: number | undefined,
    problem: ProblemDetails | undefined,
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

function describe(status: number | undefined, problem: ProblemDetails | undefined): string {
  const title = problem?.title ?? 'status code';
  return `${status} ${title}${problem?.detail ? `: ${problem.detail}` : ''}`;
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
/** The `If-Match` ETag is stale: someone else changed the resource; re-read and retry. */
export class PreconditionFailedError extends APIError {
  override name = 'PreconditionFailedError';
}
export class PayloadTooLargeError extends APIError {
  override name = 'PayloadTooLargeError';
}
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
}
/** Any 5xx. */
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

/** No response: DNS, refused connection, reset, CORS rejection, unreadable body. */
export class APIConnectionError extends APIError {
  override name = 'APIConnectionError';
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
  problem: ProblemDetails | undefined,
  requestId: string | undefined,
  headers: Headers,
  message?: string,
): APIError {
  const Ctor = status >= 500 ? InternalServerError : (byStatus[status] ?? APIError);
  return new Ctor(status, problem, requestId, headers, message);
}
