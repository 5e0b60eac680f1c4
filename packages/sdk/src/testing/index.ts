/**
 * `@taskboard/sdk/testing`: factories and typed MSW handlers for testing code that uses the SDK.
 * Needs `msw` (an optional peer dependency); the SDK's main entry never imports this module.
 */
export { createMockHandlers, problemResponse, type MockHandlersOptions } from './create-mock-handlers.ts';
export {
  fakeDateTime,
  fakeId,
  fakeUserId,
  invitationFactory,
  memberFactory,
  meFactory,
  pageFactory,
  problemFactory,
  projectFactory,
  resetFactories,
  taskFactory,
  type PageBody,
} from './factories.ts';
export type {
  MockQuery,
  MockRequestInfo,
  MockResolver,
  MockResult,
  MockRoute,
  ProblemBody,
  ProblemResponse,
} from './types.ts';
export { mockRoutes, type MockHandlers, type MockProblemStatuses } from '../generated/mock-handlers.ts';
