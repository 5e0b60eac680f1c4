/**
 * Example values for the contract. @fastify/swagger turns `examples` on a route's body, response or
 * parameter schema into the OpenAPI `example` that Swagger UI's "Try it out" starts from, and keeps
 * them on the component schemas (OpenAPI 3.1 Schema Objects allow `examples`). Without them Swagger UI
 * makes values up from the patterns (a title like `^U>7];N0>M]`, an assignee who is not a member).
 *
 * Request bodies are valid as they stand: sent as-is they succeed (a test posts them). Ids cannot be
 * known in advance (the API creates UUIDv7s, Cognito the users' `sub`s): the /docs page says to replace
 * them with ids from your own responses. A test validates every example against its schema.
 */

export const EXAMPLE_PROJECT_ID = '0193a1f2-6b7c-7d8e-9f01-23456789abcd';
export const EXAMPLE_TASK_ID = '0193a1f3-0a1b-7c2d-8e3f-456789abcdef';
/** A Cognito `sub` (a UUID v4 in Cognito and in the local emulator). */
export const EXAMPLE_USER_ID = '5f0c2a8e-3d4b-4c6a-9e1f-7a2b3c4d5e6f';
export const EXAMPLE_MEMBER_ID = '8b1d4f6a-2c3e-4a5b-8d7c-9e0f1a2b3c4d';
const CREATED_AT = '2026-12-01T09:30:00.000Z';
const UPDATED_AT = '2026-12-01T10:05:12.345Z';

/** Adds `examples` to a schema without changing its static type. */
export function withExamples<T extends object>(schema: T, ...examples: readonly unknown[]): T {
  return { ...schema, examples };
}

export const PROJECT_INPUT_EXAMPLE = {
  name: 'Website launch',
  description: 'Everything for the new marketing site.',
};

export const PROJECT_EXAMPLE = {
  id: EXAMPLE_PROJECT_ID,
  ...PROJECT_INPUT_EXAMPLE,
  ownerId: EXAMPLE_USER_ID,
  role: 'owner',
  version: 1,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
};

export const EXAMPLE_INVITATION_ID = '0193a1f4-1c2d-7e3f-8a4b-56789abcdef0';

export const INVITATION_INPUT_EXAMPLE = { userId: EXAMPLE_MEMBER_ID };

export const INVITATION_EXAMPLE = {
  id: EXAMPLE_INVITATION_ID,
  projectId: EXAMPLE_PROJECT_ID,
  projectName: PROJECT_INPUT_EXAMPLE.name,
  inviteeId: EXAMPLE_MEMBER_ID,
  inviterId: EXAMPLE_USER_ID,
  createdAt: CREATED_AT,
};

export const MEMBER_EXAMPLE = {
  userId: EXAMPLE_MEMBER_ID,
  role: 'member',
  email: 'sam@example.com',
  createdAt: CREATED_AT,
};

/** No assignee: any assignee must be a member of the project, which an example cannot know. */
export const TASK_INPUT_EXAMPLE = {
  title: 'Write the launch announcement',
  description: 'Draft it, review it with marketing, publish on launch day.',
  status: 'todo',
  priority: 'high',
  assigneeId: null,
  dueDate: '2026-12-15',
};

export const TASK_EXAMPLE = {
  id: EXAMPLE_TASK_ID,
  projectId: EXAMPLE_PROJECT_ID,
  ...TASK_INPUT_EXAMPLE,
  status: 'in_progress',
  assigneeId: EXAMPLE_USER_ID,
  version: 2,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT,
};

export const ME_EXAMPLE = {
  id: EXAMPLE_USER_ID,
  email: 'demo@taskboard.local',
  groups: [],
  createdAt: CREATED_AT,
};

export const PROBLEM_EXAMPLES = [
  {
    type: '/problems/validation-error',
    title: 'Request validation failed',
    status: 400,
    detail: '/body/title must NOT have fewer than 1 characters',
    instance: `/v1/projects/${EXAMPLE_PROJECT_ID}/tasks`,
    requestId: '6f1c9a52-0d3e-4b7a-9c2f-1e8d7b6a5c4d',
    errors: [{ path: '/body/title', message: 'must NOT have fewer than 1 characters' }],
  },
  {
    type: '/problems/not-found',
    title: 'Resource not found',
    status: 404,
    detail: 'Project not found',
    instance: `/v1/projects/${EXAMPLE_PROJECT_ID}`,
    requestId: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
  },
];

/** A page that is the last one: `nextCursor` is an opaque string otherwise. */
export const pageExample = (item: unknown) => ({ items: [item], nextCursor: null });
