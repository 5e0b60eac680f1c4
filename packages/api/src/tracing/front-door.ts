import {
  ROOT_CONTEXT,
  SamplingDecision,
  TraceFlags,
  createContextKey,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';
import type { IncomingHttpHeaders } from 'node:http';
import type { SamplerName } from './tracing-config.ts';

/**
 * The request's sampling decision, taken before anything of the SDK runs: the context to start the
 * request span in, or `undefined` when the sampler would certainly not keep the request. Then no
 * span, no ids and no context are made for it at all, which is what makes tracing cheap for the
 * requests a 5 % sample drops (docs/benchmarks.md, "Cost of watching"). Everything the request does
 * then runs with no span, and the child-span instrumentations record nothing without a sampled
 * parent (sampled-children.ts), so the request leaves no trace, as before.
 *
 * The decisions are the specification's samplers'
 * (https://opentelemetry.io/docs/specs/otel/trace/sdk/#built-in-samplers), taken here only where they
 * need no trace id:
 * - a valid `traceparent` under a parent-based sampler: its sampled flag (the defaults of
 *   remoteParentSampled/remoteParentNotSampled, which we never change);
 * - `always_off`, or a new trace under `parentbased_always_off`: never;
 * - a new trace under `parentbased_traceidratio`: kept with the ratio's probability, by a coin rather
 *   than by the trace id the SDK has not generated yet. Same share of new traces; only a caller-less
 *   root decides by the coin, and its children follow it (parent-based), so no trace is cut. The
 *   kept ones are marked and the SDK's sampler, wrapped by {@link FrontDoorSampler}, honours the mark;
 * - everything else (`always_on`, the parent-based `always_on` root, the non-parent-based
 *   `traceidratio`, whose children decide by the trace id they share with the request): the SDK.
 */
export type RequestSampler = (headers: IncomingHttpHeaders) => Context | undefined;

const KEPT_AT_THE_DOOR = createContextKey('taskboard: new trace kept by the front door');

/** Every request to the SDK: its own sampler decides (the request span plugin's default). */
export const sdkDecides: RequestSampler = (headers) => propagation.extract(ROOT_CONTEXT, headers);

export function requestSampler(name: SamplerName, ratio: number): RequestSampler {
  const parentBased = name.startsWith('parentbased_');
  const rootRule = parentBased ? name.slice('parentbased_'.length) : name;
  if (name === 'always_off') return () => undefined;
  // A new trace: the root rule. Only a kept one reads the headers again (baggage rides along).
  const newTrace = (headers: IncomingHttpHeaders): Context | undefined => {
    if (rootRule === 'always_on' || !parentBased) return propagation.extract(ROOT_CONTEXT, headers);
    if (rootRule === 'always_off' || !(Math.random() < ratio)) return undefined;
    return propagation.extract(ROOT_CONTEXT, headers).setValue(KEPT_AT_THE_DOOR, true);
  };
  return (headers) => {
    // Most requests carry no trace context: decided without reading any further header.
    if (headers.traceparent === undefined) return newTrace(headers);
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const remote = trace.getSpanContext(parent);
    // A traceparent that is not a valid one starts a new trace, as the W3C propagator treats it.
    if (remote === undefined || !isSpanContextValid(remote)) return newTrace(headers);
    if (!parentBased) return parent;
    return (remote.traceFlags & TraceFlags.SAMPLED) !== 0 ? parent : undefined;
  };
}

/**
 * The configured sampler, except for a new trace the front door already kept (a context with its
 * mark and no span in it yet: the request span's own). Anything started under that span carries the
 * mark too but has a parent, so the wrapped sampler decides it (parent-based: sampled).
 */
export class FrontDoorSampler implements Sampler {
  readonly #inner: Sampler;

  constructor(inner: Sampler) {
    this.#inner = inner;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (context.getValue(KEPT_AT_THE_DOOR) === true && trace.getSpan(context) === undefined) {
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.#inner.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return this.#inner.toString();
  }
}
