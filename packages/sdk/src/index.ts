export { Taskboard } from './runtime/taskboard.ts';
export {
  TaskboardClient,
  type ClientOptions,
  type Fetch,
  type RequestArgs,
  type RequestEvent,
  type RequestOptions,
  type RequestParameters,
  type ResponseEvent,
  type TokenProvider,
} from './runtime/client.ts';
export { APIPromise, type APIResult, type ETag } from './runtime/api-promise.ts';
export { PageIterator, type Page } from './runtime/pagination.ts';
export type {
  HealthAPI,
  InvitationsAPI,
  MeAPI,
  ProjectInvitationsAPI,
  ProjectMembersAPI,
  ProjectsAPI,
  TasksAPI,
} from './generated/resources.ts';
export {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PreconditionFailedError,
  RateLimitError,
  TaskboardError,
  UnprocessableEntityError,
  type ProblemType,
} from './runtime/errors.ts';
export { operations, apiVersion, type OperationSpec } from './generated/operations.ts';
export type * from './generated/types.ts';
