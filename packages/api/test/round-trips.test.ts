import t from 'tap';
import { addMemberDirectly } from './helpers/members.ts';
import { createProject, createTask } from './helpers/projects.ts';
import { buildTestApp, signedIn, testStack } from './helpers/stack.ts';
import { recordStatements } from './helpers/statements.ts';

// Issue 17: reading one task or one page of tasks, access check included, is one SQL statement;
// a write is at most two besides transaction control (and the idempotency record).
t.test('round trips to PostgreSQL per request', async (t) => {
  const app = await buildTestApp(t);
  const { users } = testStack();
  // Every user's first request records them (one INSERT); do that outside the counts.
  const { alice, bob, carol, admin } = await signedIn(app, 'alice', 'bob', 'carol', 'admin');
  const { id: projectId } = await createProject(app, alice, { name: 'Counted' });
  // Membership set up directly: how members join (invitations) is not what this test counts.
  await addMemberDirectly(app, projectId, 'bob');
  const { id: taskId } = await createTask(app, alice, projectId, { title: 'a' });
  const spare = await createTask(app, alice, projectId, { title: 'b' });
  const other = await createProject(app, alice, { name: 'Spare' });

  const statements = recordStatements(t);
  const scenarios: {
    readonly name: string;
    readonly status: number;
    /** Statements besides transaction control. */
    readonly atMost: number;
    readonly send: () => Promise<{ statusCode: number }>;
  }[] = [
    {
      name: 'list tasks',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}/tasks?limit=20`, headers: bob }),
    },
    {
      name: 'list tasks, filtered',
      status: 200,
      atMost: 1,
      send: () =>
        app.inject({
          method: 'GET',
          url: `/v1/projects/${projectId}/tasks?status=todo&assigneeId=${users.bob.sub}`,
          headers: bob,
        }),
    },
    {
      name: 'get task',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: bob }),
    },
    {
      name: 'get task, admin not a member',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: admin }),
    },
    {
      name: 'get task, not a member',
      status: 404,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: carol }),
    },
    {
      name: 'list tasks, not a member',
      status: 404,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}/tasks`, headers: carol }),
    },
    {
      name: 'get task, missing',
      status: 404,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: '/v1/tasks/0190b2a0-0000-7000-8000-000000000000', headers: bob }),
    },
    {
      name: 'replace task, admin not a member',
      status: 403,
      atMost: 1,
      send: () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...admin, 'if-match': '"1"' },
          payload: { title: 'no' },
        }),
    },
    {
      name: 'replace task, assignee not a member',
      status: 422,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"1"' },
          payload: { title: 'no', assigneeId: users.carol.sub },
        }),
    },
    {
      name: 'create task, missing project',
      status: 404,
      atMost: 1,
      send: () =>
        app.inject({
          method: 'POST',
          url: '/v1/projects/0190b2a0-0000-7000-8000-000000000000/tasks',
          headers: bob,
          payload: { title: 'x' },
        }),
    },
    {
      name: 'get project, not a member',
      status: 404,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}`, headers: carol }),
    },
    {
      name: 'get project, missing',
      status: 404,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: '/v1/projects/0190b2a0-0000-7000-8000-000000000000', headers: bob }),
    },
    {
      name: 'get project',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}`, headers: bob }),
    },
    {
      name: 'list projects',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: '/v1/projects', headers: bob }),
    },
    {
      name: 'list projects, admin',
      status: 200,
      atMost: 1,
      send: () => app.inject({ method: 'GET', url: '/v1/projects', headers: admin }),
    },
    {
      name: 'create task',
      status: 201,
      atMost: 2,
      send: () =>
        app.inject({ method: 'POST', url: `/v1/projects/${projectId}/tasks`, headers: bob, payload: { title: 'c' } }),
    },
    {
      name: 'create task, assigned',
      status: 201,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'POST',
          url: `/v1/projects/${projectId}/tasks`,
          headers: bob,
          payload: { title: 'd', assigneeId: users.bob.sub },
        }),
    },
    {
      name: 'replace task',
      status: 200,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"1"' },
          payload: { title: 'a2' },
        }),
    },
    {
      name: 'replace task, assigned',
      status: 200,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"2"' },
          payload: { title: 'a3', assigneeId: users.alice.sub },
        }),
    },
    {
      name: 'delete task',
      status: 204,
      atMost: 2,
      send: () =>
        app.inject({ method: 'DELETE', url: `/v1/tasks/${spare.id}`, headers: { ...bob, 'if-match': '"1"' } }),
    },
    {
      name: 'create project',
      status: 201,
      atMost: 2,
      send: () => app.inject({ method: 'POST', url: '/v1/projects', headers: bob, payload: { name: 'x' } }),
    },
    {
      name: 'replace project',
      status: 200,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'PUT',
          url: `/v1/projects/${projectId}`,
          headers: { ...alice, 'if-match': '"1"' },
          payload: { name: 'Counted 2' },
        }),
    },
    {
      name: 'delete project',
      status: 204,
      atMost: 2,
      send: () =>
        app.inject({
          method: 'DELETE',
          url: `/v1/projects/${other.id}`,
          headers: { ...alice, 'if-match': '"1"' },
        }),
    },
  ];
  for (const { name, status, atMost, send } of scenarios) {
    statements.reset();
    const response = await send();
    const sent = [...statements.data];
    t.equal(response.statusCode, status, `${name}: status`);
    t.ok(sent.length <= atMost, `${name}: ${sent.length} statements, at most ${atMost}`, { sent });
  }
});
