import pg from 'pg';
import t from 'tap';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  diffDatabaseToSchema,
  isEmptyMigration,
  migrateDeploy,
  migrationNames,
  MIGRATIONS_DIR,
} from '../src/db/migrations.ts';
import { createTestDatabase } from './helpers/stack.ts';

t.test('a database migrated from the folder matches schema.prisma (no drift)', async (t) => {
  const url = await createTestDatabase(t, { migrated: false });
  const applied = await migrateDeploy(url);
  t.same(applied, await migrationNames());
  t.same(await migrateDeploy(url), [], 'a second deploy applies nothing');
  const sql = await diffDatabaseToSchema(url);
  t.ok(isEmptyMigration(sql), `drift between migrations and schema.prisma:\n${sql}`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  const history = await client.query(
    'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
  );
  t.same(
    history.rows.map((row) => row.migration_name),
    applied,
    'history recorded as prisma migrate deploy does',
  );
  t.ok(history.rows.every((row) => row.finished_at !== null && /^[0-9a-f]{64}$/.test(row.checksum)));

  await client.query('ALTER TABLE tasks DROP COLUMN due_date');
  t.notOk(isEmptyMigration(await diffDatabaseToSchema(url)), 'a changed database is reported as drift');
});

// Issue 14.4: what Prisma's drift check cannot see of migration 20261201010000.
t.test('a task assignee is tied to the membership, and only assignee_id is cleared', async (t) => {
  const url = await createTestDatabase(t, { migrated: false });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  // Migrate up to the one before, plant an orphaned assignee, then apply it.
  const names = await migrationNames();
  const index = names.indexOf('20261201010000_task_assignee_membership');
  t.ok(index > 0);
  const partial = await mkdtemp(join(tmpdir(), 'tb-migrations-'));
  t.teardown(() => rm(partial, { recursive: true, force: true }));
  for (const name of names.slice(0, index))
    await cp(join(MIGRATIONS_DIR, name), join(partial, name), { recursive: true });
  await cp(join(MIGRATIONS_DIR, 'migration_lock.toml'), join(partial, 'migration_lock.toml'));
  await migrateDeploy(url, partial);
  await client.query(`INSERT INTO users (id) VALUES ('owner'), ('member'), ('stranger')`);
  const project = (
    await client.query<{ id: string }>(
      `INSERT INTO projects (id, name, owner_id) VALUES (gen_random_uuid(), 'p', 'owner') RETURNING id`,
    )
  ).rows[0]!.id;
  await client.query(
    `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, 'owner', 'owner'), ($1, 'member', 'member')`,
    [project],
  );
  const insertTask = async (title: string, assignee: string) =>
    (
      await client.query<{ id: string }>(
        `INSERT INTO tasks (id, project_id, title, assignee_id) VALUES (gen_random_uuid(), $1, $2, $3) RETURNING id`,
        [project, title, assignee],
      )
    ).rows[0]!.id;
  const orphan = await insertTask('orphan', 'stranger');
  const kept = await insertTask('kept', 'member');
  await migrateDeploy(url);
  const task = async (id: string) =>
    (
      await client.query<{ assignee_id: string | null; version: number }>(
        'SELECT assignee_id, version FROM tasks WHERE id = $1',
        [id],
      )
    ).rows[0];
  t.same(await task(orphan), { assignee_id: null, version: 2 }, 'an existing non-member assignee is cleared');
  t.same(await task(kept), { assignee_id: 'member', version: 1 }, 'a member assignee is kept');

  const constraint = await client.query<{ columns: string[]; cleared: string[]; action: string }>(
    `SELECT array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
            array(SELECT attname FROM unnest(c.confdelsetcols) k(n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n)::text[] AS cleared,
            c.confdeltype::text AS action
       FROM pg_constraint c WHERE c.conname = 'tasks_assignee_membership_fkey'`,
  );
  t.same(constraint.rows, [{ columns: ['project_id', 'assignee_id'], cleared: ['assignee_id'], action: 'n' }]);

  await t.rejects(
    client.query('UPDATE tasks SET assignee_id = $1 WHERE id = $2', ['stranger', kept]),
    { code: '23503', constraint: 'tasks_assignee_membership_fkey' },
    'a non-member cannot be assigned',
  );
  await client.query(`DELETE FROM project_members WHERE project_id = $1 AND user_id = 'member'`, [project]);
  t.same(
    await task(kept),
    { assignee_id: null, version: 2 },
    'removing the membership clears the assignee and bumps the version',
  );
  await client.query('UPDATE tasks SET title = $1, version = version + 1 WHERE id = $2', ['renamed', kept]);
  t.same(await task(kept), { assignee_id: null, version: 3 }, "the api's own writes are not bumped twice");
});
