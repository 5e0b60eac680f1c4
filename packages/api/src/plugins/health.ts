import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { migrationNames } from '../db/migrations.ts';
import { withExamples } from '../schemas/examples.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the process is shutting down: readiness and serving fail so the load balancer drains it. */
    draining: boolean;
  }
}

const Check = Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('skipped')]);
const Status = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);
const HealthSchema = Type.Object(
  {
    status: Status,
    checks: Type.Optional(
      Type.Object({ database: Check, migrations: Check, draining: Type.Boolean(), overloaded: Type.Boolean() }),
    ),
  },
  { title: 'Health' },
);
const ServingSchema = Type.Object(
  {
    status: Status,
    checks: Type.Object({
      started: Type.Boolean({ description: 'Readiness has passed at least once since the process started' }),
      draining: Type.Boolean(),
    }),
  },
  { title: 'Serving' },
);

type CheckResult = 'ok' | 'failing' | 'skipped';
type DependencyResult = { database: CheckResult; migrations: CheckResult };

export interface HealthOptions {
  readonly migrationsDir: string;
  /**
   * How long /health/ready reuses a dependency check, in ms; callers arriving while one runs share
   * it. So a flood of readiness calls costs one query per period, not one per call. 0: no reuse once
   * a check has finished (callers arriving while it runs still share it).
   * @default 1000
   */
  readonly readinessCacheMs?: number;
  /**
   * Open the start-up gate from the start: a cluster worker that replaces a crashed one on an
   * instance that already passed readiness (docs/decisions/0004). @default false
   */
  readonly startedBefore?: boolean;
  /** Called once, when the start-up gate opens (a cluster worker tells its primary). */
  readonly onStarted?: () => void;
}

/**
 * Three checks for three questions (docs: templates/README.md, "Health checks"):
 * - /health/live: the process answers. No dependencies.
 * - /health/serving: the load balancer's target check, which also decides replacement by the Auto
 *   Scaling group (ELB health checks). 200 once readiness has passed since the process started (so
 *   an instance of a broken image never counts as healthy) and while not draining. After that first
 *   pass it never touches the database and ignores load, so a database outage or an overload of any
 *   length replaces no instance; a hung process fails it by the health check timeout.
 * - /health/ready: the full dependency check (database answers, every migration applied, not
 *   draining, not overloaded), for people and monitoring.
 */
export const healthPlugin = fp(
  async (app: FastifyInstance, options: HealthOptions) => {
    app.decorate('draining', false);
    let expected: string[] | undefined;
    let migrationsApplied = false;
    // The start-up gate: latched by the first passing readiness check, never reset in this process.
    let started = options.startedBefore ?? false;

    const { databaseHealth } = app.services;

    async function migrationsUpToDate(): Promise<boolean> {
      if (migrationsApplied) return true;
      expected ??= await migrationNames(options.migrationsDir);
      const applied = await databaseHealth.appliedMigrations();
      migrationsApplied = expected.every((name) => applied.has(name));
      return migrationsApplied;
    }

    /** Database and migrations; a pass opens the start-up gate. */
    async function checkDependencies(request: FastifyRequest): Promise<DependencyResult> {
      try {
        await databaseHealth.ping();
        const migrations = (await migrationsUpToDate()) ? 'ok' : 'failing';
        if (migrations === 'ok' && !started) {
          started = true;
          options.onStarted?.();
        }
        return { database: 'ok', migrations };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        // A missing _prisma_migrations table means "not migrated", not "database down".
        const missingTable = (error as { message?: string }).message?.includes('_prisma_migrations') ?? false;
        return missingTable
          ? { database: 'ok', migrations: 'failing' }
          : { database: 'failing', migrations: 'skipped' };
      }
    }

    const cacheMs = options.readinessCacheMs ?? 1_000;
    let recent: { result: Promise<DependencyResult>; until: number } | undefined;
    /** The readiness route's check: shared while it runs and for cacheMs after it settles. */
    function recentDependencies(request: FastifyRequest): Promise<DependencyResult> {
      if (recent !== undefined && Date.now() < recent.until) return recent.result;
      const entry = { result: checkDependencies(request), until: Number.POSITIVE_INFINITY };
      recent = entry;
      void entry.result.then(() => {
        entry.until = Date.now() + cacheMs;
      });
      return entry.result;
    }

    const send = (reply: FastifyReply, ok: boolean, checks: Record<string, unknown>) =>
      reply
        .code(ok ? 200 : 503)
        .header('cache-control', 'no-store')
        .send({ status: ok ? 'ok' : 'unavailable', checks });

    const common = { tags: ['health'], security: [] };

    app.get(
      '/health/live',
      {
        schema: {
          ...common,
          operationId: 'getLiveness',
          summary: 'Liveness',
          response: { 200: withExamples(HealthSchema, { status: 'ok' }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/serving',
      {
        schema: {
          ...common,
          operationId: 'getServing',
          summary: 'Serving: ready once since start-up and not draining (the load balancer target check)',
          description:
            'The check the load balancer routes by and the Auto Scaling group replaces instances by. ' +
            'Until readiness has passed once it runs the readiness checks; after that it never touches ' +
            'the database and is never shed, so a database outage or overload does not fail it.',
          response: {
            200: withExamples(ServingSchema, { status: 'ok', checks: { started: true, draining: false } }),
            503: withExamples(ServingSchema, { status: 'unavailable', checks: { started: true, draining: true } }),
          },
        },
      },
      async (request, reply) => {
        const draining = app.draining;
        if (!started && !draining) await checkDependencies(request);
        return send(reply, started && !draining, { started, draining });
      },
    );

    app.get(
      '/health/ready',
      {
        schema: {
          ...common,
          operationId: 'getReadiness',
          summary: 'Readiness: database reachable and migrations applied',
          response: {
            200: withExamples(HealthSchema, {
              status: 'ok',
              checks: { database: 'ok', migrations: 'ok', draining: false, overloaded: false },
            }),
            503: withExamples(HealthSchema, {
              status: 'unavailable',
              checks: { database: 'failing', migrations: 'skipped', draining: false, overloaded: false },
            }),
          },
        },
      },
      async (request, reply) => {
        const draining = app.draining;
        const overloaded = app.overloaded();
        // Draining or overloaded answers at once: an overloaded process should not spend a query on it.
        const { database, migrations } =
          draining || overloaded
            ? { database: 'skipped' as const, migrations: 'skipped' as const }
            : await recentDependencies(request);
        if (overloaded) request.log.warn('readiness: overloaded');
        const ok = database === 'ok' && migrations === 'ok' && !draining && !overloaded;
        return send(reply, ok, { database, migrations, draining, overloaded });
      },
    );
  },
  { name: 'health', dependencies: ['services'] },
);
