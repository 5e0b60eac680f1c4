/**
 * The api's own PostgreSQL role: DML on the application tables, read-only on the migration history,
 * no DDL. The migration runner (connected as the migrator, the RDS master user) creates it from the
 * app secret's current value and grants its privileges before every migration; the instances then
 * connect as it. Its password belongs to Secrets Manager's multi-user rotation afterwards: the set-up
 * only creates a missing role, it never changes the password of an existing one.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * What the hosted multi-user rotation appends for its second user. Its set_secret step creates that
 * user with `CREATE ROLE <user>_clone WITH LOGIN PASSWORD ...` and `GRANT <user> TO <user>_clone`, so
 * the clone inherits every privilege granted to the base role here
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html#rotating-secrets-two-users).
 */
export const CLONE_SUFFIX = '_clone';

/** Serialises concurrent set-ups (two runners), which would otherwise race on the same catalog rows. */
const SETUP_LOCK = 727_100;

export interface AppRoleCredentials {
  /** The app secret's current username: the base role, or its rotation clone. */
  readonly user: string;
  readonly password: string;
}

export interface AppRoleOptions {
  /** @default 'public' */
  readonly schema?: string;
  /** Migration history the api may read (start-up health gate) but not write. @default '_prisma_migrations' */
  readonly historyTable?: string;
}

export interface AppRoleResult {
  /** The role that holds the grants (the username without `_clone`). */
  readonly role: string;
  /** Roles this run created (empty when everything existed). */
  readonly created: readonly string[];
}

export class AppRoleError extends Error {
  override name = 'AppRoleError';
}

/** `taskboard_app_clone` -> `taskboard_app`; the grants go to the base role, which the clone is a member of. */
export function baseRoleOf(user: string): string {
  return user.endsWith(CLONE_SUFFIX) ? user.slice(0, -CLONE_SUFFIX.length) : user;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 7677 / RFC 5802), in the form
 * `CREATE ROLE ... PASSWORD` accepts as already hashed. Sending the verifier instead of the password
 * keeps the cleartext out of the server's logs: the environment logs statements slower than
 * `log_min_duration_statement` and every failing statement (`log_min_error_statement`) to CloudWatch.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // PostgreSQL runs SASLprep on the password first; for printable ASCII (what Secrets Manager
  // generates) that is the identity, so only that is accepted here.
  if (!/^[\x21-\x7e]+$/.test(password)) {
    throw new AppRoleError('the app password must be printable ASCII without spaces (as Secrets Manager generates)');
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Creates the app role if missing and (re)grants its privileges; safe to run any number of times.
 * Runs as the migrator, whose tables these are: `ALTER DEFAULT PRIVILEGES` (for the current role)
 * covers every table and sequence the migrator creates later, and the `GRANT ... ON ALL` covers the
 * existing ones. PostgreSQL 15+ gives PUBLIC no CREATE on the public schema, so the role can create,
 * alter or drop nothing; owning nothing, it can also alter or drop nothing it is granted.
 */
export async function ensureAppRole(
  client: pg.ClientBase,
  credentials: AppRoleCredentials,
  options: AppRoleOptions = {},
): Promise<AppRoleResult> {
  const schema = options.schema ?? 'public';
  const history = options.historyTable ?? '_prisma_migrations';
  const role = baseRoleOf(credentials.user);
  if (role === '') throw new AppRoleError(`"${credentials.user}" is not a role name`);
  const identity = await client.query<{ migrator: string; database: string }>(
    'SELECT current_user AS migrator, current_database() AS database',
  );
  const { migrator, database } = identity.rows[0]!;
  if (role === migrator || credentials.user === migrator) {
    throw new AppRoleError(
      `the app user "${credentials.user}" is the migrator itself: DATABASE_SECRET_ID must name the api's own secret`,
    );
  }
  const id = (name: string): string => pg.escapeIdentifier(name);
  const created: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
    const existing = await client.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])',
      [[role, credentials.user]],
    );
    const exists = new Set(existing.rows.map((row) => row.rolname));
    const verifier = (): string => pg.escapeLiteral(scramSha256Verifier(credentials.password));
    if (!exists.has(role)) {
      // The secret's current user gets the secret's password; a base role created only because the
      // secret is on the clone (a database restored empty) gets none until the rotation sets one.
      const password = credentials.user === role ? ` PASSWORD ${verifier()}` : '';
      await client.query(`CREATE ROLE ${id(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE${password}`);
      created.push(role);
    }
    if (credentials.user !== role && !exists.has(credentials.user)) {
      // What the rotation function would have done (see CLONE_SUFFIX).
      await client.query(`CREATE ROLE ${id(credentials.user)} LOGIN PASSWORD ${verifier()}`);
      await client.query(`GRANT ${id(role)} TO ${id(credentials.user)}`);
      created.push(credentials.user);
    }
    await client.query(`GRANT CONNECT ON DATABASE ${id(database)} TO ${id(role)}`);
    await client.query(`GRANT USAGE ON SCHEMA ${id(schema)} TO ${id(role)}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${id(schema)} TO ${id(role)}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${id(schema)} TO ${id(role)}`);
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${id(schema)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${id(role)}`,
    );
    await client.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${id(schema)} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${id(role)}`,
    );
    const historyExists = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [
      `${id(schema)}.${id(history)}`,
    ]);
    if ((historyExists.rows[0] as { present: boolean }).present) {
      await client.query(`REVOKE INSERT, UPDATE, DELETE ON ${id(schema)}.${id(history)} FROM ${id(role)}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { role, created };
}
