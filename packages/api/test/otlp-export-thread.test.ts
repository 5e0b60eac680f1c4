/**
 * The OTLP span exporter's thread (src/tracing/otlp-export-thread.ts, otlp-export-worker.ts) on a
 * real socket: batches copied to the export thread as records serialise there to the same protobuf
 * as the spans themselves and reach a collector as OTLP/HTTP; a collector's refusal comes back as the
 * batch's failure; a thread that dies fails the batch it held and the next batch starts another; a
 * batch on its way keeps the process alive, an idle thread does not; shutting down with no thread
 * started starts none. That the bundle ships the thread's file and that it reads the
 * OTEL_EXPORTER_OTLP_* variables is test/runtime/artifact.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { ThreadedOtlpSpanExporter } from '../src/tracing/otlp-export-thread.ts';
import { fromSpanRecords, toSpanRecords } from '../src/tracing/span-records.ts';
import { otlpCollector } from './helpers/otlp-collector.ts';

/** Ended spans with these names, as a batch processor hands them to its exporter. */
function spans(...names: string[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  for (const name of names) provider.getTracer('test').startSpan(name).end();
  return memory.getFinishedSpans();
}

const exported = (exporter: ThreadedOtlpSpanExporter, batch: ReadableSpan[]): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(batch, resolve));

t.test('a batch reaches the collector from the thread; a refusal is the batch’s failure', async (t) => {
  const { base, received } = await otlpCollector(t, [200, 400]);
  const url = `${base}/v1/traces`;
  const exporter = new ThreadedOtlpSpanExporter(url);
  t.teardown(() => exporter.shutdown());
  t.same(await exported(exporter, spans('first batch')), { code: ExportResultCode.SUCCESS });
  t.ok(received[0]?.body.includes('first batch'), 'the span, serialised as protobuf');
  const refused = await exported(exporter, spans('second batch'));
  t.equal(refused.code, ExportResultCode.FAILED);
  // 400 is not one of the statuses OTLP/HTTP retries (429, 502, 503, 504): one POST, then the failure.
  t.match(refused.error?.message, /Bad Request/);
  t.equal(received.length, 2);
});

t.test('a thread that dies fails the batch it held; the next batch starts a new thread', async (t) => {
  const { base, received } = await otlpCollector(t);
  const url = `${base}/v1/traces`;
  const dir = await mkdtemp(join(tmpdir(), 'export-thread-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Worker threads take a copy of process.env when they start.
  process.env.EXPORT_THREAD_DIED_FLAG = join(dir, 'died');
  t.teardown(() => delete process.env.EXPORT_THREAD_DIED_FLAG);
  const exporter = new ThreadedOtlpSpanExporter(url, new URL('./fixtures/export-thread-dies-once.ts', import.meta.url));
  t.teardown(() => exporter.shutdown());

  const lost = await exported(exporter, spans('lost'));
  t.equal(lost.code, ExportResultCode.FAILED);
  t.match(lost.error?.message, /the span export thread exited with code 3/);
  t.same(await exported(exporter, spans('after the restart')), { code: ExportResultCode.SUCCESS });
  t.equal(received.length, 1);
  t.ok(received[0]?.body.includes('after the restart'));
});

t.test('a batch a structured clone cannot carry fails alone', async (t) => {
  const { base, received } = await otlpCollector(t);
  const exporter = new ThreadedOtlpSpanExporter(`${base}/v1/traces`);
  t.teardown(() => exporter.shutdown());
  // The SDK drops such attribute values itself; a span from elsewhere could still carry one.
  const [span] = spans('uncloneable');
  const odd = Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, {
    attributes: { callback: () => 1 },
  });
  const refused = await exported(exporter, [odd]);
  t.equal(refused.code, ExportResultCode.FAILED);
  t.match(refused.error?.name, /DataCloneError/);
  t.same(await exported(exporter, spans('next')), { code: ExportResultCode.SUCCESS });
  t.equal(received.length, 1);
});

t.test('a batch on its way keeps the process alive until sent; an idle thread does not', async (t) => {
  const { base, received } = await otlpCollector(t);
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./fixtures/export-one-batch.ts', import.meta.url)), `${base}/v1/traces`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The fixture only exports; it ends by itself once nothing but the idle thread is left.
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 0);
  t.match(output, /\{"exported":0\}/, 'the batch was reported sent');
  t.equal(received.length, 1);
  t.ok(received[0]?.body.includes('the last batch'));
});

t.test('shut down before any batch: flush and shutdown return, a later batch fails unsent', async (t) => {
  const { base, received } = await otlpCollector(t);
  const url = `${base}/v1/traces`;
  const exporter = new ThreadedOtlpSpanExporter(url);
  await exporter.forceFlush();
  await exporter.shutdown();
  const late = await exported(exporter, spans('late'));
  t.equal(late.code, ExportResultCode.FAILED);
  t.match(late.error?.message, /shut down/);
  t.equal(received.length, 0);
});

t.test('a batch crosses to the thread whole: its records serialise to the same protobuf as its spans', async (t) => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'records-test', 'service.instance.id': 7 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const remote = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=value,other=1'),
  });
  const span = provider.getTracer('requests', '1.2.3').startSpan(
    'GET /v1/projects/:projectId',
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/v1/projects/:projectId', 'http.response.status_code': 500, ratio: 0.5, ok: false },
      links: [
        {
          context: {
            traceId: 'a'.repeat(32),
            spanId: 'b'.repeat(16),
            traceFlags: 0,
            traceState: createTraceState('k=v'),
          },
          attributes: { reason: 'retry' },
        },
      ],
    },
    remote,
  );
  span.addEvent('exception', { 'exception.message': 'boom', 'exception.stacktrace': ['a', 'b'] });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  span.end();
  provider.getTracer('sql').startSpan('db_query', { kind: SpanKind.CLIENT }).end();
  const spans = memory.getFinishedSpans();

  // structuredClone is the algorithm postMessage uses.
  const crossed = fromSpanRecords(structuredClone(toSpanRecords(spans)));
  const expected = ProtobufTraceSerializer.serializeRequest(spans);
  t.ok(expected !== undefined && expected.length > 200);
  t.same(Buffer.from(ProtobufTraceSerializer.serializeRequest(crossed) ?? []), Buffer.from(expected ?? []));
});
