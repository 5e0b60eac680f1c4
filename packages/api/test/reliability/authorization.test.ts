import t from 'tap';
import { addMember } from '../helpers/members.ts';
import { createProject, createTask } from '../helpers/projects.ts';
import { buildTestApp, json, signedIn, testStack } from '../helpers/stack.ts';
import { fillPath, loadOperations } from './helpers/openapi-operations.ts';

interface Attempt {
  readonly path: Record<string, string>;
  readonly query?: string;
  readonly payload?: Record<string, unknown>;
}

t.test('authorization matrix over every operation of openapi.json', async (t) => {
  const app = await buildTestApp(t);
  const { users } = testStack();
  // bob: a member of alice's project, not its owner; carol: not a member.
  const { alice, bob, carol } = await signedIn(app, 'alice', 'bob', 'carol');
  const { id: projectId } = await createProject(app, alice, { name: 'Alice only' });
  await addMember(app, alice, projectId, 'bob');
  // A pending invitation (to an id nobody has): only alice may list or revoke it, only its invitee
  // accept or decline it.
  const invitation = json(
    await app.inject({
      method: 'POST',
      url: `/v1/projects/${projectId}/invitations`,
      headers: alice,
      payload: { userId: 'pending-invitee' },
    }),
  );
  const invitationId = String(invitation.id);
  const { id: taskId } = await createTask(app, alice, projectId, { title: 'secret', assigneeId: users.alice.sub });
  const snapshot = async () =>
    JSON.stringify([
      await app.prisma.project.findMany({ orderBy: { id: 'asc' } }),
      await app.prisma.task.findMany({ orderBy: { id: 'asc' } }),
      await app.prisma.projectMember.findMany({ orderBy: [{ projectId: 'asc' }, { userId: 'asc' }] }),
      await app.prisma.projectInvitation.findMany({ orderBy: { id: 'asc' } }),
    ]);

  // What each operation is tried with against alice's rows. The owner-only and not-a-member
  // expectations come from the README's authorization rules.
  const attempts: Record<string, Attempt> = {
    getProject: { path: { projectId } },
    replaceProject: { path: { projectId }, payload: { name: 'taken over' } },
    deleteProject: { path: { projectId } },
    listProjectMembers: { path: { projectId } },
    getProjectMember: { path: { projectId, userId: users.alice.sub } },
    createProjectInvitation: { path: { projectId }, payload: { userId: users.carol.sub } },
    listProjectInvitations: { path: { projectId } },
    revokeProjectInvitation: { path: { projectId, invitationId } },
    // Addressed to someone else: to carol (and to bob) the invitation does not exist.
    acceptInvitation: { path: { invitationId } },
    declineInvitation: { path: { invitationId } },
    removeProjectMember: { path: { projectId, userId: users.alice.sub } },
    listTasks: { path: { projectId }, query: `?assigneeId=${users.alice.sub}&status=todo` },
    createTask: { path: { projectId }, payload: { title: 'planted' } },
    getTask: { path: { taskId } },
    replaceTask: { path: { taskId }, payload: { title: 'taken over' } },
    deleteTask: { path: { taskId } },
  };
  const ownerOnly = new Set([
    'replaceProject',
    'deleteProject',
    'removeProjectMember',
    'createProjectInvitation',
    'listProjectInvitations',
    'revokeProjectInvitation',
  ]);
  // They act on the caller's own data.
  const unscoped = new Set(['getMe', 'listProjects', 'createProject', 'listInvitations']);

  const operations = loadOperations().filter((operation) => operation.secured);
  t.same(
    operations.map((o) => o.operationId).filter((id) => !unscoped.has(id) && !(id in attempts)),
    [],
    'every secured operation of the contract is in the matrix',
  );

  let tried = 0;
  const before = await snapshot();
  for (const operation of operations) {
    const attempt = attempts[operation.operationId];
    if (!attempt) continue;
    const send = (headers: Record<string, string>) =>
      app.inject({
        method: operation.method,
        url: fillPath(operation.path, attempt.path) + (attempt.query ?? ''),
        headers,
        ...(attempt.payload ? { payload: attempt.payload } : {}),
      });
    const outsider = await send(carol);
    tried += 1;
    t.equal(outsider.statusCode, 404, `${operation.operationId} by a non-member: 404, existence not revealed`);
    if (ownerOnly.has(operation.operationId)) {
      const member = await send(bob);
      tried += 1;
      t.equal(member.statusCode, 403, `${operation.operationId} by a member who is not the owner: 403`);
    }
  }
  t.equal(await snapshot(), before, 'no forbidden attempt changed a row');

  t.test('no cross-tenant reads through lists, cursors and filters', async (t) => {
    const mine = await createProject(app, carol, { name: 'Carol' });
    // A cursor pointing just before alice's project (keyset: "id > cursor") must still only list carol's.
    const cursor = Buffer.from(JSON.stringify({ after: '00000000-0000-0000-0000-000000000000' })).toString('base64url');
    const aliceCursor = Buffer.from(JSON.stringify({ after: projectId })).toString('base64url');
    const lists = [
      `/v1/projects?limit=100&cursor=${cursor}`,
      `/v1/projects?limit=1&cursor=${aliceCursor}`,
      `/v1/invitations?limit=100&cursor=${cursor}`,
      `/v1/projects/${mine.id}/invitations?cursor=${cursor}`,
      `/v1/projects/${mine.id}/tasks?assigneeId=${users.alice.sub}`,
      `/v1/projects/${mine.id}/tasks?cursor=${Buffer.from(JSON.stringify({ after: taskId })).toString('base64url')}`,
      `/v1/projects/${mine.id}/members?cursor=${Buffer.from(JSON.stringify({ after: users.alice.sub })).toString('base64url')}`,
    ];
    for (const url of lists) {
      const response = await app.inject({ method: 'GET', url, headers: carol });
      tried += 1;
      t.ok(response.statusCode === 200 || response.statusCode === 400, `${url}: ${response.statusCode}`);
      t.notMatch(
        response.body,
        new RegExp(`${projectId}|${taskId}|Alice only|secret`),
        `${url} shows nothing of alice's`,
      );
    }
    t.comment(`authorization: ${tried} forbidden or cross-tenant requests tried, all rejected, 0 rows changed`);
  });
});
