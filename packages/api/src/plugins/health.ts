import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { migrationNames } from '../db/migrations.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the process is shutting down: readiness fails so the load balancer drains it. */
    draining: boolean;
  }
}

const Check = Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('skipped')]);
const HealthSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    checks: Type.Optional(
      Type.Object({ database: Check, migrations: Check, draining: Type.Boolean(), overloaded: Type.Boolean() }),
    ),
  },
  { title: 'Health' },
);

/**
 * /health/live: the process answers (no dependencies, so a database outage never gets
 * healthy instances killed). /health/ready: the database answers and every migration in
 * the folder is applied; the load balancer's target group checks this one.
 */
export const healthPlugin = fp(
  async (app: FastifyInstance, options: { migrationsDir: string }) => {
    app.decorate('draining', false);
    let expected: string[] | undefined;
    let migrationsApplied = false;

    async function migrationsUpToDate(): Promise<boolean> {
      if (migrationsApplied) return true;
      expected ??= await migrationNames(options.migrationsDir);
      const rows = await app.prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(rows.map((row) => row.migration_name));
      migrationsApplied = expected.every((name) => applied.has(name));
      return migrationsApplied;
    }

    const common = { tags: ['health'], security: [] };

    app.get(
      '/health/live',
      { schema: { ...common, operationId: 'getLiveness', summary: 'Liveness', response: { 200: HealthSchema } } },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/ready',
      {
        schema: {
          ...common,
          operationId: 'getReadiness',
          summary: 'Readiness: database reachable and migrations applied',
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (request, reply) => {
        const draining = app.draining;
        const overloaded = app.overloaded();
        let database: 'ok' | 'failing' | 'skipped' = 'ok';
        let migrations: 'ok' | 'failing' | 'skipped' = 'skipped';
        // Draining or overloaded answers at once: the load balancer must stop sending traffic
        // now, and an overloaded process should not spend a query on the check.
        if (draining || overloaded) database = 'skipped';
        else
          try {
            await app.prisma.$queryRaw`SELECT 1`;
            migrations = (await migrationsUpToDate()) ? 'ok' : 'failing';
          } catch (error) {
            // A missing _prisma_migrations table means "not migrated", not "database down".
            const missingTable = (error as { message?: string }).message?.includes('_prisma_migrations') ?? false;
            if (missingTable) migrations = 'failing';
            else database = 'failing';
            request.log.warn({ err: error }, 'readiness check failed');
          }
        if (overloaded) request.log.warn('readiness: overloaded');
        const ok = database === 'ok' && migrations === 'ok' && !draining && !overloaded;
        return reply
          .code(ok ? 200 : 503)
          .header('cache-control', 'no-store')
          .send({ status: ok ? 'ok' : 'unavailable', checks: { database, migrations, draining, overloaded } });
      },
    );
  },
  { name: 'health', dependencies: ['database'] },
);
