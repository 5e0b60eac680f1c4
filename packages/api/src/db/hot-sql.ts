import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * The hot statements (a task read, a page of tasks, a project's access check, a task's INSERT and
 * UPDATE) run on the pg pool Prisma's driver adapter uses (app.database.pool), not through the
 * Prisma client: ADR 0009 and docs/benchmarks.md have the measurement (the client's pipeline,
 * not its query builder, costs more CPU than the statement itself, raw SQL and TypedSQL included).
 * Same connections, same credentials, timeouts and pool metrics; the statements are the ones the
 * Prisma client sent before, byte for byte (`npm run check-sql -w @taskboard/bench`).
 */
export type SqlPool = Pick<pg.Pool, 'query'>;

const tracer = trace.getTracer('taskboard-api-db');

/**
 * One statement on the pool, whose connections parse rows with HOT_SQL_TYPES (the app's pool,
 * CredentialPool, builds them so). A sampled request gets a CLIENT span with the statement text, as the
 * Prisma client's statements get from @prisma/instrumentation (tracing/tracing-sdk.ts); an
 * unsampled one (or tracing off) pays one context lookup.
 */
export async function hotQuery<Row extends pg.QueryResultRow>(
  pool: SqlPool,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  const params = values as unknown[];
  if (trace.getActiveSpan()?.isRecording() !== true) return (await pool.query<Row>(text, params)).rows;
  return tracer.startActiveSpan(
    'db_query',
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } },
    async (span) => {
      try {
        const { rows } = await pool.query<Row>(text, params);
        span.end();
        return rows;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        span.end();
        throw error;
      }
    },
  );
}

/**
 * Where a hot statement runs: the pg pool, or a Prisma client or transaction client (inside an
 * idempotent create or an invitation's transaction), which sends the same statement text with
 * `$queryRawUnsafe` (parameters are bound, never spliced, either way).
 */
export type Reader = Pick<PrismaClient, '$queryRawUnsafe'> | SqlPool;

/** One statement on whichever `db` is: `hotQuery` on the pool, `$queryRawUnsafe` in a transaction. */
export async function rowsOf<Row extends pg.QueryResultRow>(
  db: Reader,
  text: string,
  values: readonly unknown[],
): Promise<Row[]> {
  if ('$queryRawUnsafe' in db) return db.$queryRawUnsafe<Row[]>(text, ...values);
  return hotQuery<Row>(db, text, values);
}
