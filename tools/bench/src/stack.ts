/**
 * The services both servers run against: one embedded PostgreSQL (a throwaway cluster,
 * fsync off) with the api's migrations applied, and one Cognito emulator with one user
 * whose real access token the api verifies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createUser, createUserPool, signIn, startCognitoLocal, startEmbeddedPostgres } from '@taskboard/local-stack';
import { migrateDeploy } from '../../../packages/api/src/db/migrations.ts';

export interface BenchStack {
  readonly databaseUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly userId: string;
  readonly email: string;
  readonly accessToken: string;
  /** Runs SQL as the superuser on the bench database (settings, statistics). */
  admin(sql: string): Promise<void>;
  stop(): Promise<void>;
}

const DATABASE = 'taskboard_bench';
const EMAIL = 'bench@example.test';
const PASSWORD = 'Bench-password-1';

export async function startStack(
  options: { readonly onPostgresLog?: (line: string) => void } = {},
): Promise<BenchStack> {
  const postgres = await startEmbeddedPostgres({ onLog: options.onPostgresLog });
  const cognitoDir = await mkdtemp(join(tmpdir(), 'taskboard-bench-cognito-'));
  let cognito: Awaited<ReturnType<typeof startCognitoLocal>> | undefined;
  try {
    const server = new pg.Client({ connectionString: postgres.url });
    await server.connect();
    await server.query(`CREATE DATABASE ${DATABASE}`);
    await server.end();
    const databaseUrl = postgres.urlFor(DATABASE);
    await migrateDeploy(databaseUrl);
    cognito = await startCognitoLocal({ dataDir: cognitoDir });
    const pool = await createUserPool(cognito.endpoint, 'taskboard-bench');
    const userId = await createUser(cognito.endpoint, pool, { email: EMAIL, password: PASSWORD });
    const tokens = await signIn(cognito.endpoint, pool.clientId, EMAIL, PASSWORD);
    const running = cognito;
    return {
      databaseUrl,
      issuer: running.issuerFor(pool.poolId),
      clientId: pool.clientId,
      userId,
      email: EMAIL,
      accessToken: tokens.accessToken,
      admin: async (sql) => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      },
      stop: async () => {
        await running.stop();
        await rm(cognitoDir, { recursive: true, force: true });
        await postgres.stop();
      },
    };
  } catch (error) {
    await cognito?.stop();
    await rm(cognitoDir, { recursive: true, force: true });
    await postgres.stop();
    throw error;
  }
}
