import { PrismaPg } from '@prisma/adapter-pg';
import type { FastifyBaseLogger } from 'fastify';
import { PrismaClient } from '../generated/prisma/client.ts';
import { CredentialPool } from './credential-pool.ts';
import type { CredentialsProvider } from './credentials.ts';

/**
 * What a service's write needs: the app's client and an interactive transaction (`$transaction`'s
 * callback argument) both qualify, so one method runs alone or inside an idempotent create.
 */
export type Db = Pick<
  PrismaClient,
  'project' | 'projectMember' | 'projectInvitation' | 'task' | 'user' | '$queryRaw' | '$queryRawUnsafe' | '$executeRaw'
>;

export interface DatabaseOptions {
  /** Where each new connection gets its user, password, host, port and database. */
  readonly credentials: CredentialsProvider;
  /** Connections per process; see docs/capacity.md for how it relates to RDS max_connections. */
  readonly poolMax: number;
  /** PEM CA bundle: TLS with verify-full against it. @default no TLS */
  readonly sslCa?: string;
  /** How long to wait for a connection (pooled or new) before failing. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Replace connections after this long, so new credentials and failovers are picked up. @default 0 (never) */
  readonly maxLifetimeSeconds?: number;
  /** Re-reads of the credentials after PostgreSQL rejects the password. @default 3 */
  readonly authRetries?: number;
  /** First back-off between those re-reads, doubled each time. @default 250 */
  readonly authRetryDelayMs?: number;
  readonly log?: FastifyBaseLogger;
}

/** A Prisma client over a credential-aware pool; connects lazily. The caller closes both. */
export function createDatabase(options: DatabaseOptions): { prisma: PrismaClient; pool: CredentialPool } {
  const pool = new CredentialPool({
    credentials: options.credentials,
    max: options.poolMax,
    sslCa: options.sslCa,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    authRetries: options.authRetries ?? 3,
    authRetryDelayMs: options.authRetryDelayMs ?? 250,
    log: options.log,
  });
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}
