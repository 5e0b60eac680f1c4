import { hotQuery, type SqlPool } from '../db/hot-sql.ts';

/**
 * The queries behind the readiness checks (plugins/health.ts), on the pg pool Prisma's adapter uses
 * (db/hot-sql.ts, ADR 0009) rather than through the Prisma client: the load balancer asks every few
 * seconds, and a process whose first query went through the client keeps Prisma's query compiler
 * (WebAssembly, ~12 MB resident) from start-up on, although its hot paths do not need it; it is now
 * loaded by the first request that does (docs/benchmarks.md, idle RSS).
 */
export class DatabaseHealth {
  private readonly pool: SqlPool;

  constructor(pool: SqlPool) {
    this.pool = pool;
  }

  /** Resolves once the database has answered a query. */
  async ping(): Promise<void> {
    await hotQuery(this.pool, 'SELECT 1', []);
  }

  /**
   * The migrations applied to completion and not rolled back, by name. Fails with an error naming
   * `_prisma_migrations` when the database has never been migrated.
   */
  async appliedMigrations(): Promise<Set<string>> {
    const rows = await hotQuery<{ migration_name: string }>(
      this.pool,
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      [],
    );
    return new Set(rows.map((row) => row.migration_name));
  }
}
