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
  const scenarios: [string, number, number, () => Promise<{ statusCode: number }>][] = [
    [
      'list tasks',
      200,
      1,
      () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}/tasks?limit=20`, headers: bob }),
    ],
    [
      'list tasks, filtered',
      200,
      1,
      () =>
        app.inject({
          method: 'GET',
          url: `/v1/projects/${projectId}/tasks?status=todo&assigneeId=${users.bob.sub}`,
          headers: bob,
        }),
    ],
    ['get task', 200, 1, () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: bob })],
    [
      'get task, admin not a member',
      200,
      1,
      () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: admin }),
    ],
    ['get task, not a member', 404, 1, () => app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: carol })],
    [
      'list tasks, not a member',
      404,
      1,
      () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}/tasks`, headers: carol }),
    ],
    [
      'get task, missing',
      404,
      1,
      () => app.inject({ method: 'GET', url: '/v1/tasks/0190b2a0-0000-7000-8000-000000000000', headers: bob }),
    ],
    [
      'replace task, admin not a member',
      403,
      1,
      () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...admin, 'if-match': '"1"' },
          payload: { title: 'no' },
        }),
    ],
    [
      'replace task, assignee not a member',
      422,
      2,
      () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"1"' },
          payload: { title: 'no', assigneeId: users.carol.sub },
        }),
    ],
    [
      'create task, missing project',
      404,
      1,
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/projects/0190b2a0-0000-7000-8000-000000000000/tasks',
          headers: bob,
          payload: { title: 'x' },
        }),
    ],
    [
      'get project, not a member',
      404,
      1,
      () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}`, headers: carol }),
    ],
    [
      'get project, missing',
      404,
      1,
      () => app.inject({ method: 'GET', url: '/v1/projects/0190b2a0-0000-7000-8000-000000000000', headers: bob }),
    ],
    ['get project', 200, 1, () => app.inject({ method: 'GET', url: `/v1/projects/${projectId}`, headers: bob })],
    ['list projects', 200, 1, () => app.inject({ method: 'GET', url: '/v1/projects', headers: bob })],
    ['list projects, admin', 200, 1, () => app.inject({ method: 'GET', url: '/v1/projects', headers: admin })],
    [
      'create task',
      201,
      2,
      () =>
        app.inject({ method: 'POST', url: `/v1/projects/${projectId}/tasks`, headers: bob, payload: { title: 'c' } }),
    ],
    [
      'create task, assigned',
      201,
      2,
      () =>
        app.inject({
          method: 'POST',
          url: `/v1/projects/${projectId}/tasks`,
          headers: bob,
          payload: { title: 'd', assigneeId: users.bob.sub },
        }),
    ],
    [
      'replace task',
      200,
      2,
      () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"1"' },
          payload: { title: 'a2' },
        }),
    ],
    [
      'replace task, assigned',
      200,
      2,
      () =>
        app.inject({
          method: 'PUT',
          url: `/v1/tasks/${taskId}`,
          headers: { ...bob, 'if-match': '"2"' },
          payload: { title: 'a3', assigneeId: users.alice.sub },
        }),
    ],
    [
      'delete task',
      204,
      2,
      () => app.inject({ method: 'DELETE', url: `/v1/tasks/${spare.id}`, headers: { ...bob, 'if-match': '"1"' } }),
    ],
    [
      'create project',
      201,
      2,
      () => app.inject({ method: 'POST', url: '/v1/projects', headers: bob, payload: { name: 'x' } }),
    ],
    [
      'replace project',
      200,
      2,
      () =>
        app.inject({
          method: 'PUT',
          url: `/v1/projects/${projectId}`,
          headers: { ...alice, 'if-match': '"1"' },
          payload: { name: 'Counted 2' },
        }),
    ],
    [
      'delete project',
      204,
      2,
      () =>
        app.inject({
          method: 'DELETE',
          url: `/v1/projects/${other.id}`,
          headers: { ...alice, 'if-match': '"1"' },
        }),
    ],
  ];
  for (const [name, status, most, send] of scenarios) {
    statements.reset();
    const response = await send();
    const sent = [...statements.data];
    t.equal(response.statusCode, status, `${name}: status`);
    t.ok(sent.length <= most, `${name}: ${sent.length} statements, at most ${most}`, { sent });
  }
});
