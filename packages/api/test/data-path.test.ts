import t from 'tap';
import { foreignKeyViolation } from '../src/db/errors.ts';
import type { SqlPool } from '../src/db/hot-sql.ts';
import { uuidv7 } from '../src/db/uuidv7.ts';
import type { Db } from '../src/db/prisma-client.ts';
import { createProject, createTask } from './helpers/projects.ts';
import { buildTestApp, json, signedIn, testStack } from './helpers/stack.ts';
import { TaskService } from '../src/services/tasks.ts';

t.test('foreignKeyViolation names the constraint however Prisma reports it', async (t) => {
  const adapter = { code: 'P2003', meta: { driverAdapterError: { cause: { constraint: { index: 'a_fkey' } } } } };
  t.equal(foreignKeyViolation(adapter), 'a_fkey', 'from the driver adapter (adapter-pg)');
  t.equal(foreignKeyViolation({ code: 'P2003', meta: { constraint: 'b_fkey' } }), 'b_fkey', "from Prisma's meta");
  const raw = {
    code: 'P2010',
    meta: { driverAdapterError: { cause: { originalCode: '23503', constraint: { index: 'd_fkey' } } } },
  };
  t.equal(foreignKeyViolation(raw), 'd_fkey', 'a raw statement through Prisma (P2010)');
  t.equal(foreignKeyViolation({ code: '23503', constraint: 'c_fkey' }), 'c_fkey', "from pg's own error (the pool)");
  t.equal(foreignKeyViolation({ code: '23503' }), '', 'a violation without a name');
  t.equal(foreignKeyViolation(new Error('wrapped', { cause: adapter })), 'a_fkey', 'through a cause');
  t.equal(foreignKeyViolation({ code: 'P2002' }), undefined, 'another error');
  t.equal(foreignKeyViolation('P2003'), undefined, 'not an error object');
});

t.test('uuidv7 carries the millisecond timestamp, version 7 and the RFC 9562 variant', async (t) => {
  const id = uuidv7(0x0190b2a0c0de);
  t.match(id, /^0190b2a0-c0de-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(uuidv7(), uuidv7(), 'random bits differ');
});

t.test('a task created after its project went away answers 404, not 500', async (t) => {
  const app = await buildTestApp(t);
  const { alice } = await signedIn(app, 'alice');
  const { users } = testStack();
  const principal = { userId: 'x', issuer: 'i', email: null, groups: [], isAdmin: false };

  // Inside a transaction (an idempotent create): the statements go through Prisma. The access
  // check saw the project (a row with a role); the project is deleted before the INSERT.
  const inTransaction = await createProject(app, alice, { name: 'Gone soon' });
  let calls = 0;
  const db = {
    $queryRawUnsafe: async (text: string, ...values: unknown[]) => {
      if (calls++ > 0) return app.prisma.$queryRawUnsafe(text, ...values);
      await app.prisma.project.delete({ where: { id: inTransaction.id } });
      return [{ ...inTransaction, role: 'member' }];
    },
  } as unknown as Db;
  await t.rejects(app.services.tasks.create(db, principal, inTransaction.id, { title: 'late' }), {
    status: 404,
    message: 'Project not found',
  });

  // On the pool (the hot path, db/hot-sql.ts): the same race, the same answer.
  const onPool = await createProject(app, alice, { name: 'Gone soon too' });
  const pool = app.database.pool;
  let queries = 0;
  const racing: SqlPool = {
    query: (async (text: string, values: unknown[]) => {
      if (queries++ === 0) {
        const result = await pool.query(text, values);
        await app.prisma.project.delete({ where: { id: onPool.id } });
        return { ...result, rows: [{ ...onPool, role: 'member' }] };
      }
      return pool.query(text, values);
    }) as SqlPool['query'],
  };
  const service = new TaskService(app.prisma, racing);
  await t.rejects(service.create(app.prisma, principal, onPool.id, { title: 'late' }), {
    status: 404,
    message: 'Project not found',
  });
  t.equal(queries, 2, 'the access check and the INSERT, both on the pool');

  // Any other failure of the write passes through unchanged (the error handler answers it).
  const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
  let calls2 = 0;
  const failing: SqlPool = {
    query: (async (text: string, values: unknown[]) => {
      if (calls2++ === 0) return pool.query(text, values);
      throw lost;
    }) as SqlPool['query'],
  };
  const member = { ...principal, userId: users.alice.sub };
  const project = await createProject(app, alice, { name: 'Still here' });
  await t.rejects(new TaskService(app.prisma, failing).create(app.prisma, member, project.id, { title: 't' }), lost);
});

t.test("an admin's project list pages through every project", async (t) => {
  const app = await buildTestApp(t);
  const { alice, admin } = await signedIn(app, 'alice', 'admin');
  const created: string[] = [];
  for (const { owner, name } of [
    { owner: alice, name: 'a1' },
    { owner: admin, name: 'mine' },
    { owner: alice, name: 'a2' },
  ]) {
    created.push((await createProject(app, owner, { name })).id);
  }
  const seen: { id: unknown; role: unknown }[] = [];
  let cursor: unknown = null;
  do {
    const page = json(
      await app.inject({
        method: 'GET',
        url: `/v1/projects?limit=2${cursor === null ? '' : `&cursor=${String(cursor)}`}`,
        headers: admin,
      }),
    );
    seen.push(...(page.items as { id: unknown; role: unknown }[]).map(({ id, role }) => ({ id, role })));
    cursor = page.nextCursor;
  } while (cursor !== null);
  t.same(seen, [
    { id: created[0], role: null },
    { id: created[1], role: 'owner' },
    { id: created[2], role: null },
  ]);
});

t.test('concurrent writers holding one ETag: exactly one wins, the others get 412', async (t) => {
  const app = await buildTestApp(t);
  const { alice } = await signedIn(app, 'alice');
  const project = await createProject(app, alice, { name: 'p' });
  const url = `/v1/tasks/${(await createTask(app, alice, project.id, { title: 't' })).id}`;
  // All read version 1 before any writes, so the losers fail in the UPDATE's WHERE, not before it.
  const puts = await Promise.all(
    Array.from({ length: 8 }, (_, index) =>
      app.inject({ method: 'PUT', url, headers: { ...alice, 'if-match': '"1"' }, payload: { title: `${index}` } }),
    ),
  );
  t.same(puts.map((response) => response.statusCode).sort(), [200, 412, 412, 412, 412, 412, 412, 412]);
  const deletes = await Promise.all(
    Array.from({ length: 8 }, () => app.inject({ method: 'DELETE', url, headers: { ...alice, 'if-match': '"2"' } })),
  );
  const statuses = deletes.map((response) => response.statusCode);
  t.equal(statuses.filter((status) => status === 204).length, 1, 'one delete wins');
  t.ok(
    statuses.every((status) => status === 204 || status === 412 || status === 404),
    'the others see a changed (412) or gone (404) task',
  );
});
