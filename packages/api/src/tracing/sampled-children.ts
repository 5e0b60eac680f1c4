import {
  TraceFlags,
  context as contextApi,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';

/**
 * The tracer provider the child-span instrumentations (Prisma's, undici's) are given: a span whose
 * parent in this process is not sampled is never started. The SDK would come to the same answer —
 * under every sampler OTEL_TRACES_SAMPLER can name, a child of an unsampled span of this process is
 * unsampled (parent-based ones follow the parent; traceidratio decides by the trace id the child
 * shares; always_off never samples; always_on never leaves a parent unsampled: tracing.test.ts
 * checks it against the SDK's samplers) — but only after generating ids, copying attributes (the
 * whole SQL text), consulting the sampler and entering a new async context for every statement of
 * every unsampled request. With a 5 % sample that was most of the cost of tracing (docs/benchmarks.md,
 * "Cost of watching"). Spans without a parent (start-up, timers) and children of sampled spans go to
 * the SDK unchanged.
 */
export class SampledChildrenTracerProvider implements TracerProvider {
  readonly #inner: TracerProvider;
  readonly #tracers = new Map<string, Tracer>();

  constructor(inner: TracerProvider) {
    this.#inner = inner;
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    // @prisma/instrumentation asks for its tracer on every span.
    const key = `${name}@${version ?? ''}`;
    let tracer = this.#tracers.get(key);
    if (tracer === undefined) {
      tracer = new SampledChildrenTracer(this.#inner.getTracer(name, version, options));
      this.#tracers.set(key, tracer);
    }
    return tracer;
  }
}

/** The active span when it belongs to an unsampled trace: nothing under it will be recorded. */
function unsampledParent(ctx: Context): Span | undefined {
  const parent = trace.getSpan(ctx);
  if (parent === undefined) return undefined;
  return (parent.spanContext().traceFlags & TraceFlags.SAMPLED) === 0 ? parent : undefined;
}

type ActiveSpanCallback<F> = F extends (span: Span) => unknown ? F : never;

class SampledChildrenTracer implements Tracer {
  readonly #inner: Tracer;

  constructor(inner: Tracer) {
    this.#inner = inner;
  }

  startSpan(name: string, options?: SpanOptions, ctx: Context = contextApi.active()): Span {
    const parent = options?.root === true ? undefined : unsampledParent(ctx);
    // A non-recording span carrying the parent's context: what the SDK returns for it, minus the work.
    if (parent !== undefined) return trace.wrapSpanContext(parent.spanContext());
    return this.#inner.startSpan(name, options, ctx);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as ActiveSpanCallback<F>;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const ctx = rest.length > 2 ? (rest[1] as Context) : contextApi.active();
    const parent = options?.root === true ? undefined : unsampledParent(ctx);
    // The active context stays the unsampled parent's, so what runs inside sees the same decision.
    if (parent !== undefined) return fn(trace.wrapSpanContext(parent.spanContext())) as ReturnType<F>;
    return this.#inner.startActiveSpan(name, options ?? {}, ctx, fn);
  }
}
