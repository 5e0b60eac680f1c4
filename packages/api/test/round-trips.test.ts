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

  // The requests, unsent: each scenario sends its own while the statements are counted.
  type Caller = Record<string, string>;
  type Payload = Record<string, unknown>;
  const get = (url: string, as: Caller) => () => app.inject({ method: 'GET', url, headers: as });
  const post = (url: string, as: Caller, payload: Payload) => () =>
    app.inject({ method: 'POST', url, headers: as, payload });
  const put = (url: string, as: Caller, version: number, payload: Payload) => () =>
    app.inject({ method: 'PUT', url, headers: { ...as, 'if-match': `"${version}"` }, payload });
  const del = (url: string, as: Caller, version: number) => () =>
    app.inject({ method: 'DELETE', url, headers: { ...as, 'if-match': `"${version}"` } });
  const missing = '0190b2a0-0000-7000-8000-000000000000';
  const tasks = `/v1/projects/${projectId}/tasks`;
  const task = `/v1/tasks/${taskId}`;
  const project = `/v1/projects/${projectId}`;

  const statements = recordStatements(t);
  const scenarios: {
    readonly name: string;
    readonly status: number;
    /** Statements besides transaction control. */
    readonly atMost: number;
    readonly send: () => Promise<{ statusCode: number }>;
  }[] = [
    { name: 'list tasks', status: 200, atMost: 1, send: get(`${tasks}?limit=20`, bob) },
    {
      name: 'list tasks, filtered',
      status: 200,
      atMost: 1,
      send: get(`${tasks}?status=todo&assigneeId=${users.bob.sub}`, bob),
    },
    { name: 'get task', status: 200, atMost: 1, send: get(task, bob) },
    { name: 'get task, admin not a member', status: 200, atMost: 1, send: get(task, admin) },
    { name: 'get task, not a member', status: 404, atMost: 1, send: get(task, carol) },
    { name: 'list tasks, not a member', status: 404, atMost: 1, send: get(tasks, carol) },
    { name: 'get task, missing', status: 404, atMost: 1, send: get(`/v1/tasks/${missing}`, bob) },
    { name: 'replace task, admin not a member', status: 403, atMost: 1, send: put(task, admin, 1, { title: 'no' }) },
    {
      name: 'replace task, assignee not a member',
      status: 422,
      atMost: 2,
      send: put(task, bob, 1, { title: 'no', assigneeId: users.carol.sub }),
    },
    {
      name: 'create task, missing project',
      status: 404,
      atMost: 1,
      send: post(`/v1/projects/${missing}/tasks`, bob, { title: 'x' }),
    },
    { name: 'get project, not a member', status: 404, atMost: 1, send: get(project, carol) },
    { name: 'get project, missing', status: 404, atMost: 1, send: get(`/v1/projects/${missing}`, bob) },
    { name: 'get project', status: 200, atMost: 1, send: get(project, bob) },
    { name: 'list projects', status: 200, atMost: 1, send: get('/v1/projects', bob) },
    { name: 'list projects, admin', status: 200, atMost: 1, send: get('/v1/projects', admin) },
    { name: 'create task', status: 201, atMost: 2, send: post(tasks, bob, { title: 'c' }) },
    {
      name: 'create task, assigned',
      status: 201,
      atMost: 2,
      send: post(tasks, bob, { title: 'd', assigneeId: users.bob.sub }),
    },
    { name: 'replace task', status: 200, atMost: 2, send: put(task, bob, 1, { title: 'a2' }) },
    {
      name: 'replace task, assigned',
      status: 200,
      atMost: 2,
      send: put(task, bob, 2, { title: 'a3', assigneeId: users.alice.sub }),
    },
    { name: 'delete task', status: 204, atMost: 2, send: del(`/v1/tasks/${spare.id}`, bob, 1) },
    { name: 'create project', status: 201, atMost: 2, send: post('/v1/projects', bob, { name: 'x' }) },
    { name: 'replace project', status: 200, atMost: 2, send: put(project, alice, 1, { name: 'Counted 2' }) },
    { name: 'delete project', status: 204, atMost: 2, send: del(`/v1/projects/${other.id}`, alice, 1) },
  ];
  for (const { name, status, atMost, send } of scenarios) {
    statements.reset();
    const response = await send();
    const sent = [...statements.data];
    t.equal(response.statusCode, status, `${name}: status`);
    t.ok(sent.length <= atMost, `${name}: ${sent.length} statements, at most ${atMost}`, { sent });
  }
});
