import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
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
 * The tracer provider the child-span instrumentations (Prisma's, undici's) are given: they record
 * only under a sampled span of this process. A child of an unsampled span is never started: under
 * every sampler OTEL_TRACES_SAMPLER can name the SDK would not sample it either (parent-based ones
 * follow the parent; traceidratio decides by the trace id the child shares; always_off never
 * samples; always_on never leaves a parent unsampled: tracing-sampled-children.test.ts checks it
 * against the SDK's samplers) — but only after generating ids, copying attributes (the whole SQL
 * text), consulting the sampler and entering a new async context for every statement of every
 * unsampled request. A span with no parent at all is not started either: a request the front door
 * dropped (front-door.ts) runs with no span, and its statements must not become traces of their
 * own; the cost is that a statement or fetch outside any traced request (start-up's JWKS fetch, a
 * timer) is not traced. Secrets Manager's span (db/secrets.ts) is not a child-span instrumentation
 * and keeps its own root traces.
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

/**
 * What a child started in `ctx` is when nothing under it will be recorded: a non-recording span
 * carrying the unsampled parent's context (what the SDK returns for it, minus the work), or an
 * invalid one without a parent. Undefined when the parent is sampled: the SDK starts the child.
 */
function unrecordedChild(ctx: Context): Span | undefined {
  const parent = trace.getSpan(ctx)?.spanContext();
  if (parent === undefined) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return (parent.traceFlags & TraceFlags.SAMPLED) === 0 ? trace.wrapSpanContext(parent) : undefined;
}

type ActiveSpanCallback<F> = F extends (span: Span) => unknown ? F : never;

class SampledChildrenTracer implements Tracer {
  readonly #inner: Tracer;

  constructor(inner: Tracer) {
    this.#inner = inner;
  }

  startSpan(name: string, options?: SpanOptions, ctx: Context = contextApi.active()): Span {
    return unrecordedChild(options?.root === true ? ROOT_CONTEXT : ctx) ?? this.#inner.startSpan(name, options, ctx);
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
    const unrecorded = unrecordedChild(options?.root === true ? ROOT_CONTEXT : ctx);
    // The active context stays as it is, so what runs inside sees the same decision.
    if (unrecorded !== undefined) return fn(unrecorded) as ReturnType<F>;
    return this.#inner.startActiveSpan(name, options ?? {}, ctx, fn);
  }
}
