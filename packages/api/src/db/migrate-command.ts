/**
 * `migrate.js` of the artifact (and `npm run migrate:deploy`): applies pending migrations and, in
 * AWS, sets up the api's own role. The rollout runs it once per rollout on a runner instance whose
 * role may read both secrets (templates/service: the migration runner's instance profile):
 * - DATABASE_MIGRATOR_SECRET_ID: the master user's secret; migrations and the set-up run as it;
 * - DATABASE_SECRET_ID: the api's secret; its current username and password create the app role
 *   when it is missing (first deploy), and that role gets its grants (every run).
 * Without DATABASE_MIGRATOR_SECRET_ID it migrates as DATABASE_URL / DATABASE_SECRET_ID and sets up
 * no role (local databases, and service stacks from before the app role existed).
 */
import pg from 'pg';
import { ensureAppRole } from './app-role.ts';
import { connectionUrl, type ConnectionParams, type CredentialsProvider } from './credentials.ts';
import { migrateDeploy, MIGRATIONS_DIR } from './migrations.ts';
import { credentialsFromConfig } from './secrets.ts';

export interface MigrateEnvironment {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_SECRET_ID?: string | undefined;
  readonly DATABASE_MIGRATOR_SECRET_ID?: string | undefined;
  readonly DATABASE_SSL_CA_FILE?: string | undefined;
  readonly AWS_REGION?: string | undefined;
}

export interface MigrateCommandOptions {
  /** @default the package's prisma/migrations */
  readonly migrationsDir?: string;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** A connection URL with TLS verify-full when a CA bundle is configured (RDS forces TLS). */
export function migrationUrl(params: ConnectionParams, sslCaFile: string | undefined): string {
  const url = connectionUrl(params);
  return sslCaFile ? `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(sslCaFile)}` : url;
}

function provider(env: MigrateEnvironment, secretId: string | undefined, databaseUrl?: string): CredentialsProvider {
  return credentialsFromConfig({ databaseUrl, databaseSecretId: secretId, awsRegion: env.AWS_REGION });
}

/** Runs the command; resolves the process exit code (2: usage, 1: failure). Never prints a secret value. */
export async function runMigrateCommand(env: MigrateEnvironment, options: MigrateCommandOptions): Promise<number> {
  const { log, error } = options;
  const migrator = env.DATABASE_MIGRATOR_SECRET_ID;
  if (!env.DATABASE_URL && !env.DATABASE_SECRET_ID && !migrator) {
    error('migrate: set DATABASE_URL or DATABASE_SECRET_ID (and DATABASE_MIGRATOR_SECRET_ID in AWS)');
    return 2;
  }
  if (migrator && !env.DATABASE_SECRET_ID) {
    error("migrate: DATABASE_MIGRATOR_SECRET_ID needs DATABASE_SECRET_ID (the api's secret) to set up its role");
    return 2;
  }
  try {
    const migratorParams = await (
      migrator ? provider(env, migrator) : provider(env, env.DATABASE_SECRET_ID, env.DATABASE_URL)
    ).current();
    const url = migrationUrl(migratorParams, env.DATABASE_SSL_CA_FILE);
    const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
    if (!migrator) {
      const applied = await migrateDeploy(url, migrationsDir);
      log(applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.join(', ')}`);
      return 0;
    }
    const app = await provider(env, env.DATABASE_SECRET_ID).current();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Before: default privileges then cover the tables this run creates. After: the history table
      // the first run creates is made read-only for the api.
      const before = await ensureAppRole(client, { user: app.user, password: app.password });
      const applied = await migrateDeploy(url, migrationsDir);
      await ensureAppRole(client, { user: app.user, password: app.password });
      log(
        before.created.length > 0
          ? `Created role ${before.created.join(', ')} for the api.`
          : `Role ${before.role} for the api is ready.`,
      );
      log(applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.join(', ')}`);
      return 0;
    } finally {
      await client.end();
    }
  } catch (cause) {
    error(`migrate: ${(cause as Error).message}`);
    return 1;
  }
}
