/**
 * The pool path of the hot statements (src/db/hot-sql.ts, ADR 0009): rows shaped as the Prisma
 * client returned them, and a CLIENT span per statement under a sampled request, as
 * @prisma/instrumentation gives the statements that still go through Prisma.
 */
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { hotQuery } from '../src/db/hot-sql.ts';
import { buildTestApp } from './helpers/stack.ts';

t.test('a DATE is a Date at UTC midnight whatever the process time zone, timestamptz an instant', async (t) => {
  const zone = process.env.TZ;
  // West of UTC: pg's default DATE parser would give local midnight, 2026-12-01T05:00:00.000Z.
  process.env.TZ = 'America/New_York';
  t.teardown(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  const app = await buildTestApp(t);
  const [row] = await hotQuery<{ day: Date; at: Date; n: number }>(
    app.database.pool,
    `SELECT $1::date AS "day", $2::timestamptz AS "at", 7 AS "n"`,
    ['2026-12-01', '2026-12-01T17:40:27.107Z'],
  );
  t.equal(row?.day.toISOString(), '2026-12-01T00:00:00.000Z');
  t.equal(row?.at.toISOString(), '2026-12-01T17:40:27.107Z');
  t.equal(row?.n, 7);
});

t.test('a statement under a sampled span is a CLIENT span with its text; none without one', async (t) => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  t.teardown(() => {
    trace.disable();
    context.disable();
  });
  const app = await buildTestApp(t);
  const pool = app.database.pool;

  await hotQuery(pool, 'SELECT 1 AS "outside"', []);
  t.equal(exporter.getFinishedSpans().length, 0, 'no request span: no span');

  const unsampled = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
  });
  await context.with(trace.setSpan(context.active(), unsampled), () => hotQuery(pool, 'SELECT 1 AS "unsampled"', []));
  t.equal(exporter.getFinishedSpans().length, 0, 'an unsampled request: no span');

  const request = provider.getTracer('test').startSpan('request', { kind: SpanKind.SERVER });
  await context.with(trace.setSpan(context.active(), request), async () => {
    await hotQuery(pool, 'SELECT 1 AS "sampled"', []);
    await t.rejects(hotQuery(pool, 'SELECT 1 FROM "no_such_table"', []), { code: '42P01' }, 'the error passes through');
  });
  request.end();
  const [ok, failed] = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
  t.equal(ok?.attributes['db.query.text'], 'SELECT 1 AS "sampled"');
  t.equal(ok?.attributes['db.system.name'], 'postgresql');
  t.equal(ok?.parentSpanContext?.spanId, request.spanContext().spanId, 'under the request span');
  t.equal(failed?.status.code, SpanStatusCode.ERROR, 'a failed statement marks its span');
});
