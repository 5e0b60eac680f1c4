import type { DefaultBodyType, HttpResponse } from 'msw';
import type { MockProblemStatuses } from '../generated/mock-handlers.ts';
import type { OperationId, Operations, Problem } from '../generated/types.ts';

/** How the generated table describes one operation to `createMockHandlers`. */
export interface MockRoute {
  readonly method: 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';
  /** MSW path pattern relative to the base URL, e.g. `/v1/tasks/:taskId`. */
  readonly path: string;
  /** What a resolver's plain return value is answered with (201 for creates, 204 for deletes). */
  readonly status: number;
  /** The operation takes a JSON request body: parse it for the resolver. */
  readonly body?: true;
}

type Present<T> = [T] extends [never] ? false : true;

/**
 * Query values as they arrive on the URL: strings, unvalidated. Keys are the operation's declared
 * query parameters, so reading one the contract does not have is a compile error.
 */
export type MockQuery<Q> = { readonly [K in keyof Q]?: string };

/** A problem+json body whose `status` is one of the statuses `S` (the operation's declared ones). */
export type ProblemBody<S extends number = number> = Problem & { status: S };

declare const problemStatus: unique symbol;

/**
 * What `problemResponse(status)` returns: a Response branded with its problem status. Not an
 * `HttpResponse<...>` on purpose: TypeScript would then infer `HttpResponse.json`'s body type in a
 * resolver from the success body and the problem together, and accept either shape.
 */
export type ProblemResponse<S extends number = number> = Response & { readonly [problemStatus]: S };

/**
 * What a resolver receives: MSW's request and request id, plus, only when the operation has them,
 * its typed path `params`, `query` (raw strings) and parsed JSON request `body` (as the client
 * sent it, unvalidated). An operation without path parameters has no `params` to read.
 */
export type MockRequestInfo<K extends OperationId> = {
  request: Request;
  requestId: string;
} & (Present<Operations[K]['params']> extends true ? { params: Readonly<Operations[K]['params']> } : unknown) &
  (Present<Operations[K]['query']> extends true ? { query: MockQuery<Operations[K]['query']> } : unknown) &
  (Present<Operations[K]['body']> extends true ? { body: Operations[K]['body'] } : unknown);

type Success<K extends OperationId> = Operations[K]['response'];

/**
 * What a resolver may return: the operation's success body (sent as JSON with the contract's
 * success status, and an ETag when it carries a `version`), an `HttpResponse` of that body (to
 * set your own status or headers), a `problemResponse` with one of the operation's declared
 * problem statuses, or nothing for operations that answer 204. `HttpResponse.error()` (a network
 * error) is accepted everywhere.
 */
export type MockResult<K extends OperationId> = [Success<K>] extends [void]
  ? void | undefined | ProblemResponse<MockProblemStatuses[K]>
  : Success<K> | HttpResponse<Extract<Success<K>, DefaultBodyType>> | ProblemResponse<MockProblemStatuses[K]>;

/** A resolver for operation `K`; typed from the contract, so it stops compiling when that changes. */
export type MockResolver<K extends OperationId> = (info: MockRequestInfo<K>) => MockResult<K> | Promise<MockResult<K>>;
