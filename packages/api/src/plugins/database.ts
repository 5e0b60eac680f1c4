import { PrismaPg } from '@prisma/adapter-pg';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PrismaClient } from '../generated/prisma/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
  }
}

export interface DatabaseOptions {
  readonly databaseUrl: string;
  /** Connections per process; see docs/capacity.md for how it relates to RDS max_connections. */
  readonly poolMax: number;
}

export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    // Fail fast when the pool is exhausted or the server is gone instead of queueing forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 15_000,
  });
  return new PrismaClient({ adapter });
}

/** A Prisma client per app, connected lazily on the first query; closed with the app. */
export const databasePlugin = fp(
  async (app: FastifyInstance, options: DatabaseOptions) => {
    const prisma = createPrismaClient(options);
    app.decorate('prisma', prisma);
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
    });
  },
  { name: 'database' },
);
