import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CredentialPool } from '../db/credential-pool.ts';
import type { CredentialsProvider } from '../db/credentials.ts';
import { createDatabase, type DatabaseOptions } from '../db/prisma-client.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    database: DatabaseHandle;
  }
}

export interface DatabaseHandle {
  readonly pool: CredentialPool;
  readonly credentials: CredentialsProvider;
}

/** A Prisma client per app over a credential-aware pool, connected lazily; closed with the app. */
export const databasePlugin = fp(
  async (app: FastifyInstance, options: DatabaseOptions) => {
    const { prisma, pool } = createDatabase({ ...options, log: options.log ?? app.log });
    app.decorate('prisma', prisma);
    app.decorate('database', { pool, credentials: pool.credentials });
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
      // Prisma leaves a pool it was given open.
      if (!pool.ending) await pool.end();
    });
  },
  { name: 'database' },
);
