import pg from 'pg';
import t from 'tap';
import { diffDatabaseToSchema, isEmptyMigration, migrateDeploy, migrationNames } from '../src/db/migrations.ts';
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
