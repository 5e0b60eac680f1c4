/**
 * The front door (src/tracing/front-door.ts) takes the sampling decisions that need no trace id
 * before the SDK, and drops a request without making anything for it. That is only sound if it
 * agrees with the SDK's own samplers, which the specification defines
 * (https://opentelemetry.io/docs/specs/otel/trace/sdk/#built-in-samplers): checked here against
 * them for every name OTEL_TRACES_SAMPLER accepts and every kind of incoming request. The request
 * span plugin using it, through real requests, is in request-span.test.ts and tracing.test.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind,
  TraceFlags,
  propagation,
  trace,
  type Context,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { FrontDoorSampler, requestSampler } from '../src/tracing/front-door.ts';
import { SAMPLER_NAMES } from '../src/tracing/tracing-config.ts';
import { samplerFor } from '../src/tracing/tracing-sdk.ts';

propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** What a request can arrive with: nothing, a sampled or unsampled caller, or a traceparent that is not one. */
const INCOMING = {
  'no traceparent': () => ({}),
  'a sampled caller': () => ({ traceparent: `00-${hex(16)}-${hex(8)}-01` }),
  'an unsampled caller': () => ({ traceparent: `00-${hex(16)}-${hex(8)}-00` }),
  'a malformed traceparent': () => ({ traceparent: 'not-a-trace-context' }),
} as const;

const sdkSamples = (sampler: ReturnType<typeof samplerFor>, ctx: Context): boolean => {
  const traceId = trace.getSpanContext(ctx)?.traceId ?? hex(16);
  const { decision } = sampler.shouldSample(ctx, traceId, 'request', SpanKind.SERVER, {}, []);
  return decision === SamplingDecision.RECORD_AND_SAMPLED;
};

t.test('a request the front door drops is one the SDK would never sample', async (t) => {
  for (const name of SAMPLER_NAMES) {
    for (const ratio of [0, 0.05, 0.5, 1]) {
      const sampler = samplerFor(name, ratio);
      const door = requestSampler(name, ratio);
      for (const [kind, headers] of Object.entries(INCOMING)) {
        for (let i = 0; i < 50; i += 1) {
          const incoming = headers();
          const decided = door(incoming);
          const extracted = propagation.extract(ROOT_CONTEXT, incoming);
          const coin = name === 'parentbased_traceidratio' && trace.getSpanContext(extracted) === undefined;
          if (decided === undefined) {
            // Dropping a new trace by the coin is the ratio's share; any other drop must be the SDK's certain no.
            if (!coin && sdkSamples(sampler, extracted)) t.fail(`${name}(${ratio}), ${kind}: dropped, the SDK samples`);
            continue;
          }
          // Not dropped: the request goes to the SDK under the caller's context, which a parent-based
          // sampler follows; a new trace the coin kept is marked for the sampler below.
          t.equal(trace.getSpanContext(decided)?.traceId, trace.getSpanContext(extracted)?.traceId);
          if (name.startsWith('parentbased_') && kind === 'a sampled caller') {
            t.ok(sdkSamples(sampler, decided), `${name}(${ratio}): a sampled caller is followed`);
          }
        }
      }
    }
  }
});

t.test('every decision that needs no trace id is the SDK’s, both ways', async (t) => {
  const exact: Array<[(typeof SAMPLER_NAMES)[number], keyof typeof INCOMING, boolean]> = [
    ['always_off', 'a sampled caller', false],
    ['always_off', 'no traceparent', false],
    ['parentbased_always_off', 'no traceparent', false],
    ['parentbased_always_off', 'a sampled caller', true],
    ['parentbased_always_on', 'an unsampled caller', false],
    ['parentbased_always_on', 'no traceparent', true],
    ['parentbased_traceidratio', 'an unsampled caller', false],
    ['parentbased_traceidratio', 'a sampled caller', true],
    ['always_on', 'an unsampled caller', true],
  ];
  for (const [name, kind, reachesTheSdk] of exact) {
    const incoming = INCOMING[kind]();
    t.equal(requestSampler(name, 0.5)(incoming) !== undefined, reachesTheSdk, `${name}, ${kind}`);
    t.equal(sdkSamples(samplerFor(name, 0.5), propagation.extract(ROOT_CONTEXT, incoming)), reachesTheSdk);
  }
});

t.test('a new trace under parentbased_traceidratio is kept with the ratio’s probability', async (t) => {
  const keptOf = (ratio: number, n: number): number => {
    const door = requestSampler('parentbased_traceidratio', ratio);
    let kept = 0;
    for (let i = 0; i < n; i += 1) if (door({}) !== undefined) kept += 1;
    return kept;
  };
  t.equal(keptOf(0, 2000), 0, 'ratio 0: none');
  t.equal(keptOf(1, 2000), 2000, 'ratio 1: all');
  const kept = keptOf(0.25, 4000);
  // Binomial(4000, 0.25): mean 1000, standard deviation 27; ±150 is more than 5 of them.
  t.ok(kept > 850 && kept < 1150, `kept ${kept} of 4000 at ratio 0.25`);
});

t.test('the SDK samples what the front door kept, and decides everything else itself', async (t) => {
  // An inner sampler that keeps no new trace: only the front door's mark can make a root sampled.
  const sampler = new FrontDoorSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }));
  const decide = (ctx: Context): SamplingDecision =>
    sampler.shouldSample(ctx, hex(16), 'request', SpanKind.SERVER, {}, []).decision;
  const kept = requestSampler('parentbased_traceidratio', 1)({});
  t.ok(kept);
  t.equal(decide(kept ?? ROOT_CONTEXT), SamplingDecision.RECORD_AND_SAMPLED, 'the kept new trace');
  t.equal(decide(ROOT_CONTEXT), SamplingDecision.NOT_RECORD, 'an unmarked new trace: the inner sampler');
  const unsampledChild = trace.setSpanContext(kept ?? ROOT_CONTEXT, {
    traceId: hex(16),
    spanId: hex(8),
    traceFlags: TraceFlags.NONE,
  });
  t.equal(decide(unsampledChild), SamplingDecision.NOT_RECORD, 'under a span the mark is not looked at');
  t.equal(`${sampler}`, `${new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) })}`);
  t.equal(`${new FrontDoorSampler(new AlwaysOffSampler())}`, 'AlwaysOffSampler', 'described as the sampler it wraps');
});
