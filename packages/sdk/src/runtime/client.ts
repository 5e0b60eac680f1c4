import { operations, type OperationSpec } from '../generated/operations.ts';
import type { OperationId, Operations } from '../generated/types.ts';
import { APIPromise, type APIResult, type ETag } from './api-promise.ts';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  TaskboardError,
  errorFor,
} from './errors.ts';
import type { Problem } from '../generated/types.ts';
import { connectionHint } from './connection-hint.ts';
import { PageIterator } from './pagination.ts';

/** Any `fetch`-compatible function (browser, Node, undici, a test double, an instrumented wrapper). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** A bearer token, or a function returning a fresh one (called before every attempt). */
export type TokenProvider = string | (() => string | undefined | Promise<string | undefined>);

export interface RequestEvent {
  operationId: OperationId;
  method: string;
  url: string;
  /** Mutable: add tracing headers (e.g. `traceparent`) here. */
  headers: Record<string, string>;
  /** 0 for the first try, 1.. for retries. */
  attempt: number;
}

export interface ResponseEvent {
  operationId: OperationId;
  method: string;
  url: string;
  attempt: number;
  /** Undefined when no response arrived (see `error`). */
  status: number | undefined;
  requestId: string | undefined;
  durationMs: number;
  /** Set for connection errors, timeouts and aborts. */
  error: Error | undefined;
}

export interface ClientOptions {
  /** API root, e.g. `https://api.example.com` or an API Gateway stage URL. */
  baseUrl: string;
  token?: TokenProvider;
  /** Per-attempt timeout in milliseconds. @default 30000 */
  timeout?: number;
  /** Retries after the first attempt for retryable failures. @default 2 */
  maxRetries?: number;
  /** @default globalThis.fetch */
  fetch?: Fetch;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /**
   * Called before each attempt (including retries). A returned promise is awaited; any other
   * return value is ignored, so `(e) => log.info(e)` type-checks whatever `log.info` returns.
   */
  onRequest?: (event: RequestEvent) => unknown;
  /** Called after each attempt, successful or not. Returns like `onRequest`. */
  onResponse?: (event: ResponseEvent) => unknown;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout (ms). */
  timeout?: number;
  /** Overrides the client's `maxRetries`. */
  maxRetries?: number;
  headers?: Record<string, string>;
  /** For POSTs: your own key instead of a generated one (e.g. to retry a call across page reloads). */
  idempotencyKey?: string;
  /**
   * Sent as `If-Match`: the `etag` a response gave you (`'"3"'`), or the resource's `version`
   * (`3`, sent as `"3"`). A bare `'3'` is not an entity tag and the API would answer 412, so it
   * does not type-check (and throws before sending, for JavaScript callers).
   */
  ifMatch?: ETag | number;
}

/**
 * One part of a request: forbidden when the operation has none (`never`), optional when it may be
 * omitted (an optional body is `X | undefined`; params or a query whose fields are all optional
 * accept `{}`), required otherwise.
 */
type Part<N extends string, T> = [T] extends [never]
  ? { [P in N]?: never }
  : undefined extends T
    ? { [P in N]?: T }
    : object extends T
      ? { [P in N]?: T }
      : { [P in N]: T };
/** Shows the merged object (not the intersection) in editor hovers and error messages. */
type Flatten<T> = T extends infer O ? { [P in keyof O]: O[P] } : never;

/**
 * Path params, query and body for an operation, typed from the OpenAPI document: an operation with
 * path parameters requires them, one without rejects `params`.
 */
export type RequestArgs<K extends OperationId> = Flatten<
  Part<'params', Operations[K]['params']> & Part<'query', Operations[K]['query']> & Part<'body', Operations[K]['body']>
>;

/** `(args, options?)`, with `args` optional only when the operation needs nothing in it. */
export type RequestParameters<K extends OperationId> =
  object extends RequestArgs<K>
    ? [args?: RequestArgs<K>, options?: RequestOptions]
    : [args: RequestArgs<K>, options?: RequestOptions];

/** What #send reads from any operation's args. */
interface AnyArgs {
  params?: object;
  query?: object;
  body?: unknown;
}

type ListResponse<T> = { items: T[]; nextCursor: string | null };
type ItemOf<K extends OperationId> = Operations[K]['response'] extends ListResponse<infer T> ? T : never;

const MAX_RETRY_DELAY = 8;
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retry number `attempt` (0-based), in ms: the server's Retry-After if it
 * is sane (0..60 s), otherwise exponential backoff from 0.5 s capped at 8 s, with up to 25% jitter
 * so clients that failed together do not retry together.
 */
export function retryDelay(attempt: number, headers: Headers | undefined, now = Date.now()): number {
  const ms = headers?.get('retry-after-ms');
  const ra = headers?.get('retry-after');
  let delay = ms ? Number(ms) : NaN;
  if (Number.isNaN(delay) && ra) delay = /^\s*\d+(\.\d+)?\s*$/.test(ra) ? Number(ra) * 1000 : Date.parse(ra) - now;
  if (delay >= 0 && delay <= MAX_RETRY_AFTER_MS) return delay;
  return Math.min(0.5 * 2 ** attempt, MAX_RETRY_DELAY) * (1 - Math.random() * 0.25) * 1000;
}

/**
 * Settles like `value`, but rejects with APIUserAbortError as soon as `signal` aborts (at once if it
 * already has), so a slow token function, hook or backoff wait never outlives a cancelled call.
 */
function abortable<T>(value: T | PromiseLike<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort?.();
      reject(new APIUserAbortError(signal?.reason));
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    Promise.resolve(value)
      .then(resolve, reject)
      .finally(() => signal?.removeEventListener('abort', abort));
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return abortable(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), signal, () =>
    clearTimeout(timer),
  );
}

/**
 * A random UUID v4. Browsers only expose `crypto.randomUUID` in secure contexts (https, localhost),
 * so plain-http origins fall back to `getRandomValues`, which is available everywhere.
 */
export function uuid(crypto: Crypto = globalThis.crypto): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 408, 429 and 5xx are worth another try; everything else will fail the same way again. */
const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The transport: authentication, retries, timeouts, hooks, error mapping. Resources sit on top. */
export class TaskboardClient {
  readonly baseUrl: string;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly #options: ClientOptions;
  readonly #fetch: Fetch;

  constructor(options: ClientOptions) {
    if (!options?.baseUrl) throw new TaskboardError('Taskboard: `baseUrl` is required');
    this.#options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeout = options.timeout ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    // Looked up per call, not captured, so polyfills and test doubles installed later still apply;
    // called unbound-safe because some browsers throw "Illegal invocation" on a detached fetch.
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  /** Calls any operation by its operationId: the typed escape hatch under the resource methods. */
  request<K extends OperationId>(
    operationId: K,
    ...[args, options]: RequestParameters<K>
  ): APIPromise<Operations[K]['response']> {
    return new APIPromise(this.#send(operationId, args ?? {}, options ?? {}));
  }

  /** A lazy iterator over a cursor-paginated list operation. */
  list<K extends OperationId>(operationId: K, ...[args, options]: RequestParameters<K>): PageIterator<ItemOf<K>> {
    const all: AnyArgs = args ?? {};
    const query = (all.query ?? {}) as { cursor?: string };
    return new PageIterator<ItemOf<K>>(
      (cursor) =>
        this.#send(operationId, { ...all, query: { ...query, cursor } }, options ?? {}) as Promise<
          APIResult<ListResponse<ItemOf<K>>>
        >,
      query.cursor,
    );
  }

  async #send<K extends OperationId>(
    operationId: K,
    args: AnyArgs,
    options: RequestOptions,
  ): Promise<APIResult<Operations[K]['response']>> {
    const op: OperationSpec = operations[operationId];
    const { onRequest, onResponse, headers: defaultHeaders, token } = this.#options;
    const { signal } = options;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const timeout = options.timeout ?? this.timeout;
    const url = this.#url(op.path, args);
    // One key per logical call, reused by its retries: that is what makes a retried POST safe.
    const idempotencyKey = op.idempotencyKey ? (options.idempotencyKey ?? uuid()) : undefined;
    const retryable = op.method !== 'POST' && op.method !== 'PATCH' ? true : idempotencyKey !== undefined;
    const body = args.body === undefined ? undefined : JSON.stringify(args.body);
    const ifMatch = typeof options.ifMatch === 'number' ? `"${options.ifMatch}"` : options.ifMatch;
    // The API compares entity tags, quotes included: a bare '3' would be a 412 that looks like a
    // lost race. Catch it here for callers the type checker cannot help (JavaScript, `as` casts).
    if (ifMatch !== undefined && !/^"\d+"$/.test(ifMatch)) {
      throw new TaskboardError(`\`ifMatch\` must be an ETag such as '"3"' or a version number, not ${ifMatch}`);
    }

    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new APIUserAbortError(signal.reason);
      const headers: Record<string, string> = {
        accept: 'application/json, application/problem+json',
        ...defaultHeaders,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      if (ifMatch) headers['if-match'] = ifMatch;
      if (op.auth && token) {
        const value = await abortable(typeof token === 'function' ? token() : token, signal);
        if (value) headers['authorization'] = `Bearer ${value}`;
      }
      Object.assign(headers, options.headers);
      await abortable(onRequest?.({ operationId, method: op.method, url, headers, attempt }), signal);
      // The signal may have fired after the hook settled but before we resumed: never send then.
      if (signal?.aborted) throw new APIUserAbortError(signal.reason);

      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeout);
      const onAbort = (): void => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const started = Date.now();
      let response: Response | undefined;
      let text = '';
      let error: APIError | undefined;
      try {
        response = await this.#fetch(url, { method: op.method, headers, body, signal: controller.signal });
        // Read the body inside the timeout too: a server that stalls mid-body is still a timeout.
        text = await response.text();
      } catch (cause) {
        error = signal?.aborted
          ? new APIUserAbortError(signal.reason)
          : timedOut
            ? new APITimeoutError()
            : new APIConnectionError(connectionHint(url, cause), cause);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      const requestId = response?.headers.get('x-request-id') ?? undefined;
      await onResponse?.({
        operationId,
        method: op.method,
        url,
        attempt,
        status: error ? undefined : response?.status,
        requestId,
        durationMs: Date.now() - started,
        error,
      });

      const canRetry = retryable && attempt < maxRetries;
      if (error || !response) {
        // No response implies an error was recorded; the fallback only satisfies the type checker.
        error ??= new APIConnectionError();
        if (error instanceof APIUserAbortError || !canRetry) throw error;
        await sleep(retryDelay(attempt, undefined), signal);
        continue;
      }
      if (response.ok) {
        let data = undefined as Operations[K]['response'];
        try {
          if (text && /json/i.test(response.headers.get('content-type') ?? '')) data = JSON.parse(text);
        } catch (cause) {
          const message = `${response.status} response is not valid JSON: ${text.slice(0, 200)}`;
          throw new APIError(response.status, undefined, requestId, response.headers, message, { cause });
        }
        return {
          data,
          etag: (response.headers.get('etag') ?? undefined) as ETag | undefined,
          requestId,
          status: response.status,
          headers: response.headers,
        };
      }
      if (canRetry && retryableStatus(response.status)) {
        await sleep(retryDelay(attempt, response.headers), signal);
        continue;
      }
      throw this.#error(response, text, requestId);
    }
  }

  #error(response: Response, text: string, requestId: string | undefined): APIError {
    let problem: Problem | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) problem = parsed as Problem;
    } catch {
      // Not JSON (e.g. an HTML page from a proxy): keep a snippet in the message instead.
    }
    const message = problem ? undefined : `${response.status} ${text.slice(0, 200) || response.statusText}`.trim();
    return errorFor(response.status, problem, requestId ?? problem?.requestId, response.headers, message);
  }

  #url(path: string, args: AnyArgs): string {
    const params = (args.params ?? {}) as Record<string, string>;
    const filled = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const value = params[name];
      if (value === undefined || value === '') throw new TaskboardError(`Missing path parameter \`${name}\``);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(
      (args.query ?? {}) as Record<string, string | number | boolean | null | undefined>,
    )) {
      if (value !== undefined && value !== null) search.append(key, String(value));
    }
    const qs = search.toString();
    return `${this.baseUrl}${filled}${qs ? `?${qs}` : ''}`;
  }
}
