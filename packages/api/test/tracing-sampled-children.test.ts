/**
 * The tracer provider of the child-span instrumentations (src/tracing/sampled-children.ts) skips the
 * SDK for a child of an unsampled span. That is only sound if the SDK would never have sampled such
 * a child: checked here against the SDK's own samplers, for every name OTEL_TRACES_SAMPLER accepts.
 * End to end (Prisma's SQL spans under a sampled request, none under an unsampled one) in
 * tracing.test.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  TraceFlags,
  context,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { SampledChildrenTracerProvider } from '../src/tracing/sampled-children.ts';
import { SAMPLER_NAMES } from '../src/tracing/tracing-config.ts';
import { samplerFor } from '../src/tracing/tracing-sdk.ts';

const withParent = (flags: number, isRemote = false): { ctx: Context; parent: SpanContext } => {
  const parent: SpanContext = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: flags,
    isRemote,
  };
  return { ctx: trace.setSpanContext(ROOT_CONTEXT, parent), parent };
};

t.test('under every sampler, the SDK never samples a child of an unsampled span of this process', async (t) => {
  for (const name of SAMPLER_NAMES) {
    for (const ratio of [0, 0.05, 0.5, 1]) {
      const sampler = samplerFor(name, ratio);
      let unsampledParents = 0;
      for (let i = 0; i < 400; i += 1) {
        // The request span: a root, or under a remote parent either way, decided by the same sampler.
        const incoming = i % 3 === 0 ? ROOT_CONTEXT : withParent(i % 3 === 1 ? 1 : 0, true).ctx;
        const traceId = trace.getSpanContext(incoming)?.traceId ?? randomBytes(16).toString('hex');
        const decision = sampler.shouldSample(incoming, traceId, 'request', SpanKind.SERVER, {}, []).decision;
        if (decision === SamplingDecision.RECORD_AND_SAMPLED) continue;
        unsampledParents += 1;
        const request: SpanContext = { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: 0 };
        const child = sampler.shouldSample(
          trace.setSpanContext(incoming, request),
          traceId,
          'prisma:engine:db_query',
          SpanKind.CLIENT,
          {},
          [],
        );
        if (child.decision !== SamplingDecision.NOT_RECORD) {
          t.fail(`${name}(${ratio}) would sample a child of an unsampled span`);
        }
      }
      t.ok(unsampledParents > 0 || name === 'always_on' || ratio === 1, `${name}(${ratio}) was exercised`);
    }
  }
});

t.test('the provider', async (t) => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  t.teardown(() => {
    context.disable();
  });
  const exporter = new InMemorySpanExporter();
  const sdk = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let started = 0;
  const counted = {
    getTracer: (...args: Parameters<TracerProvider['getTracer']>) => {
      const tracer = sdk.getTracer(...args);
      return {
        startSpan: (...a: Parameters<typeof tracer.startSpan>) => {
          started += 1;
          return tracer.startSpan(...a);
        },
        startActiveSpan: ((...a: unknown[]) => {
          started += 1;
          return (tracer.startActiveSpan as (...b: unknown[]) => unknown)(...a);
        }) as typeof tracer.startActiveSpan,
      };
    },
  };
  const provider = new SampledChildrenTracerProvider(counted);
  const tracer = provider.getTracer('prisma');
  t.equal(provider.getTracer('prisma'), tracer, 'one tracer per name, not one per span');

  t.test('under an unsampled span: no SDK call, the parent context carried, the active context kept', async (t) => {
    started = 0;
    const { ctx, parent } = withParent(TraceFlags.NONE);
    const span = tracer.startSpan('db_query', { attributes: { 'db.query.text': 'SELECT 1' } }, ctx);
    t.equal(span.isRecording(), false);
    t.strictSame(span.spanContext(), parent);
    const inside = context.with(ctx, () =>
      tracer.startActiveSpan('operation', { kind: SpanKind.INTERNAL }, (active) => {
        t.equal(active.isRecording(), false);
        return context.active();
      }),
    );
    t.equal(inside, ctx, 'the callback runs in the unchanged context');
    t.equal(started, 0, 'nothing reached the SDK');
  });

  t.test('without a parent (a request the front door dropped) or as an explicit root: nothing started', async (t) => {
    started = 0;
    exporter.reset();
    const orphan = tracer.startSpan('db_query', {}, ROOT_CONTEXT);
    t.equal(orphan.isRecording(), false);
    t.equal(isSpanContextValid(orphan.spanContext()), false, 'no ids: nothing to propagate');
    const detached = tracer.startSpan('detached', { root: true }, withParent(TraceFlags.SAMPLED).ctx);
    t.equal(detached.isRecording(), false);
    const inside = tracer.startActiveSpan('operation', (active) => {
      t.equal(active.isRecording(), false);
      return context.active();
    });
    t.equal(inside, ROOT_CONTEXT, 'the callback runs in the unchanged context');
    t.equal(started, 0, 'nothing reached the SDK');
    t.strictSame(exporter.getFinishedSpans(), []);
  });

  t.test('under a sampled span: the SDK starts the child', async (t) => {
    started = 0;
    exporter.reset();
    const { ctx, parent } = withParent(TraceFlags.SAMPLED);
    tracer.startSpan('db_query', {}, ctx).end();
    tracer.startActiveSpan('operation', {}, ctx, (span) => span.end());
    context.with(ctx, () => tracer.startActiveSpan('serialize', (span) => span.end()));
    t.equal(started, 3);
    t.strictSame(
      exporter.getFinishedSpans().map((span) => [span.name, span.parentSpanContext?.spanId]),
      [
        ['db_query', parent.spanId],
        ['operation', parent.spanId],
        ['serialize', parent.spanId],
      ],
    );
  });
});
