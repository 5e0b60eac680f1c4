/**
 * The OpenTelemetry SDK, loaded (dynamic import from start-tracing.ts) only when tracing is on, so
 * a process with OTEL_TRACES_EXPORTER unset or `none` never loads a provider, an exporter or an
 * instrumentation.
 *
 * Every instrumentation here works without patching modules at load time, which matters twice:
 * the api runs as ESM (.ts through type stripping), where require hooks see nothing, and in
 * production it is one esbuild bundle (scripts/bundle.ts), where pg, Fastify and the AWS SDK are
 * no longer separate modules a hook could patch. So no `--import` loader hook is needed:
 * - requests: our request-span plugin, registered by the app itself (plugin.ts), one SERVER span
 *   per sampled request continuing an incoming W3C `traceparent`/`tracestate` (why not
 *   @fastify/otel: there), with the sampling decisions that need no trace id taken before the SDK
 *   (front-door.ts);
 * - SQL: @prisma/instrumentation, which sets a global tracing helper the Prisma client calls; the
 *   client (Prisma 7, @prisma/adapter-pg) then emits one `prisma:engine:db_query` CLIENT span per
 *   statement with `db.query.text`; the hot statements that bypass the client (db/hot-sql.ts, ADR
 *   0009) start their own `db_query` span. (@opentelemetry/instrumentation-pg would patch the CJS
 *   `pg` module, which neither the ESM entry nor the bundle lets it do.)
 * - fetch (JWKS, Cognito GetUser, instance metadata): @opentelemetry/instrumentation-undici, which
 *   listens on Node's `undici:*` diagnostics channels;
 * - Secrets Manager: a span around GetSecretValue in db/secrets.ts through @opentelemetry/api.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import type { FastifyBaseLogger } from 'fastify';
import { FrontDoorSampler, requestSampler, type RequestSampler } from './front-door.ts';
import { SampledChildrenTracerProvider } from './sampled-children.ts';
import type { SamplerName, TracingConfig } from './tracing-config.ts';
import { reportTracingProblems } from './tracing-problems.ts';

export interface TracingSdkOptions {
  /** Replaces the configured exporter, synchronously exported (tests: an InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
}

export interface StartedTracing {
  /** The tracer of the request spans (request-span.ts, registered by plugin.ts). */
  readonly requestTracer: Tracer;
  /** The configured sampler's decisions that need no SDK (front-door.ts), taken before the tracer's. */
  readonly sampleRequest: RequestSampler;
  /** Sends failed exports and the SDK's warnings to `log`, throttled (tracing-problems.ts). */
  readonly reportProblems: (log: FastifyBaseLogger) => void;
  /** Exports what is buffered; the server calls it after the app closed. */
  readonly shutdown: () => Promise<void>;
}

/** The sampler OTEL_TRACES_SAMPLER names, as the SDK specification defines each. */
export function samplerFor(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** How spans leave the process: the test's exporter, the console, or OTLP/HTTP in batches from a thread of their own. */
export async function spanProcessor(
  config: Pick<TracingConfig, 'exporter' | 'otlpTracesUrl'>,
  options: TracingSdkOptions,
): Promise<SpanProcessor> {
  if (options.exporter !== undefined) return new SimpleSpanProcessor({ exporter: options.exporter });
  if (config.exporter === 'console') return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  // The OTLP exporter and its protobuf code load in the export thread (docs/decisions/0010), not here.
  const { ThreadedOtlpSpanExporter } = await import('./otlp-export-thread.ts');
  return new BatchSpanProcessor({ exporter: new ThreadedOtlpSpanExporter(config.otlpTracesUrl) });
}

/** Sets the global tracer provider, context manager and propagator, and turns the instrumentations on. */
export async function startTracingSdk(config: TracingConfig, options: TracingSdkOptions = {}): Promise<StartedTracing> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: new FrontDoorSampler(samplerFor(config.sampler, config.samplerRatio)),
    spanProcessors: [await spanProcessor(config, options)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  // Everything below the request span starts no span for an unsampled request (sampled-children.ts).
  const childProvider = new SampledChildrenTracerProvider(provider);
  const undici = new UndiciInstrumentation();
  undici.setTracerProvider(childProvider);
  // Serialisation spans say nothing an operation's span does not. Constructed disabled: Prisma's
  // instrumentation hands its provider to the client when enabled, and would otherwise take the global one.
  const prisma = new PrismaInstrumentation({ enabled: false, ignoreSpanTypes: ['prisma:client:serialize'] });
  prisma.setTracerProvider(childProvider);
  prisma.enable();

  return {
    requestTracer: provider.getTracer(config.serviceName),
    sampleRequest: requestSampler(config.sampler, config.samplerRatio),
    reportProblems: (log) => void reportTracingProblems(log),
    shutdown: async () => {
      undici.disable();
      prisma.disable();
      await provider.shutdown();
    },
  };
}
