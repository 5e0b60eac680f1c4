import t from 'tap';
import { captureLog } from './helpers/captured-log.ts';
import { createProject, createTask } from './helpers/projects.ts';
import { buildTestApp, json, signedIn, testStack } from './helpers/stack.ts';

// Issue 14.5: "Admin reads of another tenant's data are logged as such." An admin who is not a
// member may read any project (README, authorization rules); each such read writes an info line
// with the admin's sub and the project ids, on the request's logger (so it carries the request id).
t.test("an admin's read of a project they are not a member of is logged as such", async (t) => {
  const { lines, stream } = captureLog();
  const app = await buildTestApp(t, {}, { logger: { level: 'info', stream } });
  const { users } = testStack();
  const { alice, admin } = await signedIn(app, 'alice', 'admin');
  const { id: projectId } = await createProject(app, alice, { name: 'Tenant A' });
  const { id: taskId } = await createTask(app, alice, projectId, { title: 'a' });
  const own = await createProject(app, admin, { name: 'Admin own' });
  const audits = () => lines.filter((line) => line.audit === 'admin-cross-tenant-read');

  for (const { resource, url } of [
    { resource: 'project', url: `/v1/projects/${projectId}` },
    { resource: 'tasks', url: `/v1/projects/${projectId}/tasks` },
    { resource: 'task', url: `/v1/tasks/${taskId}` },
  ]) {
    lines.length = 0;
    const response = await app.inject({
      method: 'GET',
      url,
      headers: { ...admin, 'x-request-id': `audit-${resource}` },
    });
    t.equal(response.statusCode, 200, `${resource}: the admin reads it`);
    t.match(audits(), [{ sub: users.admin.sub, projectIds: [projectId], resource, level: 30 }], `${resource}: logged`);
    t.equal(audits().length, 1);
    const completed = lines.find((line) => line.msg === 'request completed');
    t.ok(completed?.requestId, `${resource}: the request has an id`);
    t.equal(audits()[0]?.requestId, completed?.requestId, `${resource}: the audit line carries the request's id`);
  }

  lines.length = 0;
  const page = json(await app.inject({ method: 'GET', url: '/v1/projects', headers: admin }));
  t.equal((page.items as unknown[]).length, 2, 'the admin lists every project');
  t.match(audits(), [{ sub: users.admin.sub, projectIds: [projectId], resource: 'projects' }], 'only the foreign one');

  lines.length = 0;
  await app.inject({ method: 'GET', url: `/v1/projects/${own.id}`, headers: admin });
  await app.inject({ method: 'GET', url: `/v1/projects/${projectId}`, headers: alice });
  await app.inject({ method: 'GET', url: '/v1/projects', headers: alice });
  t.same(audits(), [], "reads of one's own projects are not audit lines");
});
