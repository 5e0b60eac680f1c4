import pg from 'pg';
import t from 'tap';
import { addMemberDirectly } from '../helpers/members.ts';
import { createProject, createTask } from '../helpers/projects.ts';
import { buildTestApp, createTestDatabase, json, signedIn, testStack } from '../helpers/stack.ts';
import { recordStatements } from '../helpers/statements.ts';

// Issue 14.4: removing a member while their tasks are being updated left 117 of 200 tasks assigned
// to a non-member, because the api checked membership in one statement and wrote in another.
// The foreign key tasks_assignee_membership_fkey makes it impossible; this drives the race
// through the real HTTP path and counts what is left.
const TASKS = 200;
const CONCURRENCY = 20;

t.test('removing a member during concurrent assignments leaves no task assigned to a non-member', async (t) => {
  // Two api instances on one database, as in production: the removal does not queue behind the
  // updates in one process's connection pool.
  const databaseUrl = await createTestDatabase(t);
  const instance = () => buildTestApp(t, { databasePoolMax: 10 }, { databaseUrl });
  const [app, other] = await Promise.all([instance(), instance()]);
  const { users } = testStack();
  const { alice, bob } = await signedIn(app, 'alice', 'bob');
  const { id: projectId } = await createProject(app, alice, { name: 'Race' });
  // How bob joined is not under test here.
  await addMemberDirectly(app, projectId, 'bob');
  const ids: string[] = [];
  for (let index = 0; index < TASKS; index++) {
    const created = await createTask(app, alice, projectId, {
      title: `task ${index}`,
      assigneeId: index % 2 === 0 ? users.bob.sub : null,
    });
    ids.push(created.id);
  }

  // Bob assigns every task to himself, CONCURRENCY requests at a time, while alice removes him from
  // the project through the other instance, sent when the first UPDATE of a task goes out
  // after half the tasks: then the requests in flight have passed their access check, the window in
  // which the old code orphaned 117 of 200.
  const started = Date.now();
  let removal: Promise<{ statusCode: number }> | undefined;
  let removalSentAt = 0;
  let done = 0;
  recordStatements(t, (sql) => {
    if (removal !== undefined || done < TASKS / 2 || !/^UPDATE "public"\."tasks"/.test(sql)) return;
    removalSentAt = Date.now() - started;
    removal = other.inject({
      method: 'DELETE',
      url: `/v1/projects/${projectId}/members/${users.bob.sub}`,
      headers: alice,
    });
  });
  const statusesById = new Map<string, number>();
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const response = await app.inject({
        method: 'PUT',
        url: `/v1/tasks/${id}`,
        headers: bob,
        payload: { title: 'mine', assigneeId: users.bob.sub },
      });
      statusesById.set(id, response.statusCode);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const statuses = [...statusesById.values()];
  const removed = await removal;
  t.comment(`removal sent at ${removalSentAt} ms, answered at ${Date.now() - started} ms`);
  t.equal(removed?.statusCode, 204, 'bob was removed');

  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  t.comment(`answers to ${TASKS} concurrent assignments: ${JSON.stringify(counts)}`);
  t.same(
    statuses.filter((status) => ![200, 404, 422].includes(status)),
    [],
    'each update succeeded, lost access (404) or lost the race to the removal (422): never a 5xx',
  );
  const orphaned = await app.prisma.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS "count" FROM "tasks" t
    WHERE t."project_id" = ${projectId}::uuid AND t."assignee_id" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "project_members" m WHERE m."project_id" = t."project_id" AND m."user_id" = t."assignee_id")`;
  t.same(orphaned, [{ count: 0 }], 'no task is assigned to a non-member');
  const assigned = await app.prisma.task.count({ where: { projectId, assigneeId: { not: null } } });
  t.equal(assigned, 0, 'bob was the only assignee, so no task is assigned at all');
});

t.test('an assignment that loses the race to a removal answers 422, not 500', async (t) => {
  const databaseUrl = await createTestDatabase(t);
  const app = await buildTestApp(t, {}, { databaseUrl });
  const { users } = testStack();
  const { alice, bob } = await signedIn(app, 'alice', 'bob');
  const { id: projectId } = await createProject(app, alice, { name: 'Race' });
  await addMemberDirectly(app, projectId, 'bob');
  const { id: taskId } = await createTask(app, alice, projectId, { title: 't' });

  // The removal has deleted bob's membership but not committed yet: bob's access check still sees
  // him as a member, and his UPDATE's foreign key check waits for the removal to finish.
  const removal = new pg.Client({ connectionString: databaseUrl });
  const observer = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([removal.connect(), observer.connect()]);
  t.teardown(() => Promise.all([removal.end(), observer.end()]));
  await removal.query('BEGIN');
  await removal.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [projectId, users.bob.sub]);
  const assignment = app.inject({
    method: 'PUT',
    url: `/v1/tasks/${taskId}`,
    headers: bob,
    payload: { title: 't', assigneeId: users.bob.sub },
  });
  let blocked = false;
  for (let attempt = 0; attempt < 100 && !blocked; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    const waiting = await observer.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE%tasks%'`,
    );
    blocked = waiting.rowCount !== 0;
  }
  t.ok(blocked, "the assignment waits for the removal's row lock (the foreign key check)");
  await removal.query('COMMIT');
  const response = await assignment;
  t.equal(response.statusCode, 422);
  t.match(json(response), { errors: [{ path: '/body/assigneeId', message: 'is not a member of this project' }] });
  const stored = await app.prisma.task.findUniqueOrThrow({ where: { id: taskId } });
  t.equal(stored.assigneeId, null, 'the task was not assigned');
});
