/**
 * The api's own database role on real PostgreSQL, set up by the migrate command exactly as the
 * migration runner does in AWS. The RDS master user is emulated by a non-superuser role with
 * CREATEROLE that owns the database (what RDS gives the master user). Secrets Manager is replaced at
 * its boundary (aws-sdk-client-mock); the secrets point at this server.
 *
 * AWS behaviour encoded here: the hosted PostgreSQL multi-user rotation's set_secret step, logged
 * in as the master user, runs `CREATE ROLE <user>_clone WITH LOGIN PASSWORD ...` and
 * `GRANT <user> TO <user>_clone` on its first rotation and `ALTER USER ... WITH PASSWORD` afterwards
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html#rotating-secrets-two-users;
 * the statements are those of the SecretsManagerRDSPostgreSQLRotationMultiUser template the hosted
 * rotation deploys, https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html).
 * That the real function runs against RDS is verified only by a deployed environment.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { AppRoleError, baseRoleOf, ensureAppRole, scramSha256Verifier } from '../src/db/app-role.ts';
import { connectionUrl, paramsFromUrl } from '../src/db/credentials.ts';
import { migrationUrl, runMigrateCommand } from '../src/db/migrate-command.ts';
import { MIGRATIONS_DIR, migrationNames } from '../src/db/migrations.ts';
import { authHeader, json, testConfig, testStack, withClient, withServer } from './helpers/stack.ts';

type Tap = { teardown: (fn: () => unknown) => void };

const MIGRATOR_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-AbCdEf';
const APP_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf';

interface Scenario {
  readonly database: string;
  readonly migrator: { user: string; password: string };
  readonly app: { user: string; password: string };
  readonly urlAs: (user: string, password: string) => string;
  readonly migratorUrl: string;
  readonly secrets: AwsStub<ServiceInputTypes, ServiceOutputTypes, SecretsManagerClientResolvedConfig>;
  readonly lines: string[];
  readonly errors: string[];
  readonly migrate: (migrationsDir?: string) => Promise<number>;
}

/** Secrets Manager generates passwords like this one (printable ASCII, CDK's default exclusions). */
function password(): string {
  return `${randomBytes(18).toString('base64url')}-9.Z=`;
}

/** An empty database owned by an RDS-like master user, and an app secret whose role does not exist yet. */
async function scenario(t: Tap, appUser = `tb_app_${randomUUID().slice(0, 8)}`): Promise<Scenario> {
  const suffix = randomUUID().slice(0, 8);
  const database = `tb_role_${suffix}`;
  const migrator = { user: `tb_master_${suffix}`, password: password() };
  await withServer(async (client) => {
    await client.query(
      `CREATE ROLE ${migrator.user} LOGIN CREATEROLE NOSUPERUSER PASSWORD ${pg.escapeLiteral(migrator.password)}`,
    );
    await client.query(`CREATE DATABASE ${database} OWNER ${migrator.user}`);
  });
  const app = { user: appUser, password: password() };
  t.teardown(() =>
    withServer(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      const base = baseRoleOf(app.user);
      for (const role of [`${base}_clone`, base, migrator.user]) await client.query(`DROP ROLE IF EXISTS ${role}`);
    }),
  );
  const server = paramsFromUrl(testStack().serverUrl);
  const urlAs = (user: string, pass: string): string => connectionUrl({ ...server, user, password: pass, database });
  const secretOf = (credentials: { user: string; password: string }): string =>
    JSON.stringify({
      engine: 'postgres',
      host: server.host,
      port: server.port,
      username: credentials.user,
      password: credentials.password,
      dbname: database,
      ...(credentials === app ? { masterarn: MIGRATOR_SECRET } : {}),
    });
  const secrets = mockClient(SecretsManagerClient);
  t.teardown(() => secrets.restore());
  secrets
    .on(GetSecretValueCommand, { SecretId: MIGRATOR_SECRET })
    .callsFake(() => ({ SecretString: secretOf(migrator) }));
  secrets.on(GetSecretValueCommand, { SecretId: APP_SECRET }).callsFake(() => ({ SecretString: secretOf(app) }));
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    database,
    migrator,
    app,
    urlAs,
    migratorUrl: urlAs(migrator.user, migrator.password),
    secrets,
    lines,
    errors,
    migrate: (migrationsDir = MIGRATIONS_DIR) =>
      runMigrateCommand(
        {
          DATABASE_SECRET_ID: APP_SECRET,
          DATABASE_MIGRATOR_SECRET_ID: MIGRATOR_SECRET,
          AWS_REGION: 'eu-west-1',
        },
        { migrationsDir, log: (line) => lines.push(line), error: (line) => errors.push(line) },
      ),
  };
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** What the api must and must not be able to do, as one comparable record. */
async function privilegesOf(url: string, table = 'projects'): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const id = randomUUID();
    await client.query(`INSERT INTO users (id, updated_at) VALUES ('owner-${id}', now())`);
    return {
      insert: await outcome(
        client,
        `INSERT INTO ${table} (id, name, owner_id, updated_at) VALUES ('${id}', 'p', 'owner-${id}', now())`,
      ),
      select: await outcome(client, `SELECT * FROM ${table}`),
      update: await outcome(client, `UPDATE ${table} SET name = 'q' WHERE id = '${id}'`),
      delete: await outcome(client, `DELETE FROM ${table} WHERE id = '${id}'`),
      readHistory: await outcome(client, 'SELECT migration_name FROM _prisma_migrations'),
      writeHistory: await outcome(client, `DELETE FROM _prisma_migrations`),
      createTable: await outcome(client, 'CREATE TABLE sneaky (id int)'),
      alterTable: await outcome(client, `ALTER TABLE ${table} ADD COLUMN sneaky int`),
      dropTable: await outcome(client, `DROP TABLE ${table}`),
      truncate: await outcome(client, `TRUNCATE ${table}`),
      createRole: await outcome(client, 'CREATE ROLE sneaky'),
    };
  });
}

const DML_ONLY = {
  insert: 'ok',
  select: 'ok',
  update: 'ok',
  delete: 'ok',
  readHistory: 'ok',
  writeHistory: '42501',
  createTable: '42501', // insufficient_privilege: PostgreSQL 15+ gives PUBLIC no CREATE on schema public
  alterTable: '42501', // must be owner
  dropTable: '42501',
  truncate: '42501',
  createRole: '42501',
};

/** Grants, default privileges and memberships of the database, to compare runs. */
async function catalogSnapshot(url: string): Promise<unknown> {
  return withClient(url, async (client) => {
    const tables = await client.query(
      `SELECT c.relname, c.relacl::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    const defaults = await client.query(
      'SELECT defaclrole::regrole::text, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2',
    );
    const schema = await client.query(`SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'`);
    const database = await client.query('SELECT datacl::text FROM pg_database WHERE datname = current_database()');
    return [tables.rows, defaults.rows, schema.rows, database.rows];
  });
}

t.test('first deploy: the migrate command creates the app role, which gets DML and no DDL', async (t) => {
  const s = await scenario(t);
  t.equal(await s.migrate(), 0, s.errors.join('\n'));
  t.same(s.lines, [`Created role ${s.app.user} for the api.`, `Applied: ${(await migrationNames()).join(', ')}`]);
  t.same(
    s.secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input),
    [{ SecretId: MIGRATOR_SECRET }, { SecretId: APP_SECRET }],
    'the migrator secret for the connection, the app secret for the role',
  );
  t.same(await privilegesOf(s.urlAs(s.app.user, s.app.password)), DML_ONLY);
  const owners = await withClient(s.migratorUrl, (client) =>
    client.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`),
  );
  t.same(owners.rows, [{ tableowner: s.migrator.user }], 'the migrator owns every table');
  const role = await withClient(s.migratorUrl, (client) =>
    client.query(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolpassword IS NULL AS hidden FROM pg_roles WHERE rolname = $1`,
      [s.app.user],
    ),
  );
  t.same(role.rows, [{ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolcanlogin: true, hidden: false }]);
});

t.test('the api itself serves requests as the app role', async (t) => {
  const s = await scenario(t);
  t.equal(await s.migrate(), 0);
  const app = await buildApp({
    config: testConfig(s.urlAs(s.app.user, s.app.password)),
    logger: false,
  });
  t.teardown(() => app.close());
  const created = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: { ...(await authHeader('alice')), 'content-type': 'application/json' },
    payload: { name: 'As the app role' },
  });
  t.equal(created.statusCode, 201, created.body);
  const listed = await app.inject({ method: 'GET', url: '/v1/projects', headers: await authHeader('alice') });
  t.equal(listed.statusCode, 200);
  t.same(
    (json(listed).items as Array<{ name: string }>).map((item) => item.name),
    ['As the app role'],
  );
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200, `readiness reads _prisma_migrations as the app role: ${ready.body}`);

  // Migration 20261201010000 as the app role: ending a membership clears the member's assignments
  // (the foreign key's SET NULL) and bumps their version (the trigger), with DML rights only.
  const projectId = String((json(created) as { id: string }).id);
  const { users } = testStack();
  await app.prisma.user.upsert({ where: { id: users.bob.sub }, create: { id: users.bob.sub }, update: {} });
  await app.prisma.projectMember.create({ data: { projectId, userId: users.bob.sub, role: 'member' } });
  const task = await app.prisma.task.create({ data: { projectId, title: 'Bob', assigneeId: users.bob.sub } });
  await app.prisma.projectMember.delete({ where: { projectId_userId: { projectId, userId: users.bob.sub } } });
  t.match(await app.prisma.task.findUnique({ where: { id: task.id } }), { assigneeId: null, version: 2 });
});

t.test('tables from later migrations are covered, and a second run changes nothing', async (t) => {
  const s = await scenario(t);
  t.equal(await s.migrate(), 0);
  const snapshot = await catalogSnapshot(s.migratorUrl);

  t.equal(await s.migrate(), 0, 'a second run succeeds');
  t.same(s.lines.slice(2), [`Role ${s.app.user} for the api is ready.`, 'No pending migrations.']);
  t.same(await catalogSnapshot(s.migratorUrl), snapshot, 'the second run is a no-op: same grants, defaults, ACLs');

  // A table a later migration creates (as the migrator), before any set-up runs again: default privileges.
  await withClient(s.migratorUrl, (client) =>
    client.query('CREATE TABLE labels (id bigserial PRIMARY KEY, project_id uuid, name text)'),
  );
  t.same(
    await withClient(s.urlAs(s.app.user, s.app.password), async (client) => ({
      insert: await outcome(client, `INSERT INTO labels (name) VALUES ('x')`), // needs the sequence too
      select: await outcome(client, 'SELECT * FROM labels'),
      drop: await outcome(client, 'DROP TABLE labels'),
    })),
    { insert: 'ok', select: 'ok', drop: '42501' },
  );

  // The same through the command, with a migration folder one migration longer.
  const dir = mkdtempSync(join(tmpdir(), 'tb-migrations-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  mkdirSync(join(dir, '20991231000000_add_tags'));
  writeFileSync(
    join(dir, '20991231000000_add_tags', 'migration.sql'),
    'CREATE TABLE "tags" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL);\n',
  );
  s.lines.length = 0;
  t.equal(await s.migrate(dir), 0, s.errors.join('\n'));
  t.same(s.lines, [`Role ${s.app.user} for the api is ready.`, 'Applied: 20991231000000_add_tags']);
  const tags = await withClient(s.urlAs(s.app.user, s.app.password), async (client) => ({
    insert: await outcome(client, `INSERT INTO tags (name) VALUES ('t')`),
    alter: await outcome(client, 'ALTER TABLE tags ADD COLUMN x int'),
    writeHistory: await outcome(client, `UPDATE _prisma_migrations SET logs = 'x'`),
  }));
  t.same(tags, { insert: 'ok', alter: '42501', writeHistory: '42501' });
});

t.test('alternating-user rotation: the clone the rotation function creates has the same privileges', async (t) => {
  const s = await scenario(t);
  t.equal(await s.migrate(), 0);
  const clone = { user: `${s.app.user}_clone`, password: password() };
  // First rotation, as the rotation function does it, logged in as the master user. GRANT of a role
  // needs ADMIN on it since PostgreSQL 16: the master has it because it created the role.
  await withClient(s.migratorUrl, async (client) => {
    await client.query(`CREATE ROLE ${clone.user} WITH LOGIN PASSWORD ${pg.escapeLiteral(clone.password)}`);
    await client.query(`GRANT ${s.app.user} TO ${clone.user}`);
  });
  t.same(await privilegesOf(s.urlAs(clone.user, clone.password)), DML_ONLY, 'the clone can do what the app role can');
  t.same(await privilegesOf(s.urlAs(s.app.user, s.app.password)), DML_ONLY, 'the previous user still works');

  // Second rotation: the base user's password changes; the set-up, re-run with the secret now on
  // the clone, must not touch any password (the rotation owns them) nor fail.
  const rotated = password();
  await withClient(s.migratorUrl, (client) =>
    client.query(`ALTER USER ${s.app.user} WITH PASSWORD ${pg.escapeLiteral(rotated)}`),
  );
  Object.assign(s.app, clone);
  t.equal(await s.migrate(), 0, s.errors.join('\n'));
  t.same(s.lines.at(-2), `Role ${baseRoleOf(clone.user)} for the api is ready.`, 'grants go to the base role');
  t.same(await privilegesOf(s.urlAs(baseRoleOf(clone.user), rotated)), DML_ONLY, 'the rotated password stands');
  t.same(await privilegesOf(s.urlAs(clone.user, clone.password)), DML_ONLY);
});

t.test('a secret already on the clone with neither role present (database restored empty)', async (t) => {
  const base = `tb_app_${randomUUID().slice(0, 8)}`;
  const s = await scenario(t, `${base}_clone`);
  t.equal(await s.migrate(), 0, s.errors.join('\n'));
  t.same(s.lines[0], `Created role ${base}, ${base}_clone for the api.`);
  t.same(await privilegesOf(s.urlAs(s.app.user, s.app.password)), DML_ONLY);
  const login = await withServer((client) =>
    client.query('SELECT rolname, rolpassword IS NULL AS no_password FROM pg_authid WHERE rolname = $1', [base]),
  );
  t.same(
    login.rows,
    [{ rolname: base, no_password: true }],
    'the base role waits for the rotation to set its password',
  );
});

t.test('misconfiguration stops the command with a message and no secret value', async (t) => {
  const lines: string[] = [];
  const errors: string[] = [];
  const run = (env: Record<string, string>): Promise<number> =>
    runMigrateCommand(env, { log: (line) => lines.push(line), error: (line) => errors.push(line) });
  t.equal(await run({}), 2);
  t.match(errors.at(-1), /set DATABASE_URL or DATABASE_SECRET_ID/);
  t.equal(await run({ DATABASE_MIGRATOR_SECRET_ID: MIGRATOR_SECRET }), 2);
  t.match(errors.at(-1), /needs DATABASE_SECRET_ID/);

  const s = await scenario(t);
  // Both variables naming the master secret would make the api's "own" role the master itself.
  const code = await runMigrateCommand(
    { DATABASE_SECRET_ID: MIGRATOR_SECRET, DATABASE_MIGRATOR_SECRET_ID: MIGRATOR_SECRET, AWS_REGION: 'eu-west-1' },
    { log: (line) => s.lines.push(line), error: (line) => s.errors.push(line) },
  );
  t.equal(code, 1);
  t.match(s.errors.at(-1), /is the migrator itself: DATABASE_SECRET_ID must name the api's own secret/);
  t.notMatch(s.errors.join('\n'), s.migrator.password);

  // Without the migrator secret (a local database, or a stack without the runner role): plain migrations.
  const local = await scenario(t);
  t.equal(await run({ DATABASE_URL: local.migratorUrl }), 0);
  t.same(lines.at(-1), `Applied: ${(await migrationNames()).join(', ')}`);
});

t.test('the SCRAM verifier logs in as the password would, and refuses what SASLprep would change', async (t) => {
  const s = await scenario(t);
  await withClient(s.migratorUrl, (client) => ensureAppRole(client, { user: s.app.user, password: s.app.password }));
  await withClient(s.urlAs(s.app.user, s.app.password), (client) => client.query('SELECT 1'));
  t.rejects(
    withClient(s.urlAs(s.app.user, `${s.app.password}x`), (client) => client.query('SELECT 1')),
    { code: '28P01' },
  );
  const fixed = scramSha256Verifier('pencil', Buffer.alloc(16, 1), 4096);
  t.match(fixed, /^SCRAM-SHA-256\$4096:AQEBAQEBAQEBAQEBAQEBAQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  t.throws(() => scramSha256Verifier('pass word'), AppRoleError);
  t.throws(() => scramSha256Verifier('pässword'), AppRoleError);
  t.equal(
    migrationUrl({ user: 'u', password: 'p', host: 'h', port: 5432, database: 'd' }, '/etc/rds ca.pem'),
    'postgresql://u:p@h:5432/d?sslmode=verify-full&sslrootcert=%2Fetc%2Frds%20ca.pem',
  );
});

t.test('a failing set-up leaves nothing behind: it is one transaction', async (t) => {
  const s = await scenario(t);
  await withClient(s.migratorUrl, async (client) => {
    await t.rejects(ensureAppRole(client, s.app, { schema: 'missing_schema' }), { code: '3F000' });
    const roles = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [s.app.user]);
    t.equal(roles.rowCount, 0, 'the CREATE ROLE was rolled back');
    await t.rejects(ensureAppRole(client, { user: '_clone', password: 'x' }), {
      name: 'AppRoleError',
      message: '"_clone" is not a role name',
    });
  });
});
