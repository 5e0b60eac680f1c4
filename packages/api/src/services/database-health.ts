import type { PrismaClient } from '../generated/prisma/client.ts';

/** The queries behind the readiness checks (plugins/health.ts). */
export class DatabaseHealth {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Resolves once the database has answered a query. */
  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  /**
   * The migrations applied to completion and not rolled back, by name. Fails with an error naming
   * `_prisma_migrations` when the database has never been migrated.
   */
  async appliedMigrations(): Promise<Set<string>> {
    const rows = await this.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    return new Set(rows.map((row) => row.migration_name));
  }
}
