/**
 * The request span (src/tracing/request-span.ts) on a bare Fastify app through real HTTP requests
 * (app.inject), spans to an in-memory exporter: what the HTTP semantic conventions ask of a server
 * span (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server-span and #status).
 * The api's own use (continuing a traceparent, SQL and JWKS children, log fields) is in tracing.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import Fastify from 'fastify';
import t from 'tap';
import { FrontDoorSampler, requestSampler } from '../src/tracing/front-door.ts';
import { requestSpanPlugin } from '../src/tracing/request-span.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
// New traces are never sampled; a sampled caller is followed.
const provider = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const sampled = (): { traceId: string; parentId: string; traceparent: string } => {
  const traceId = hex(16);
  const parentId = hex(8);
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
};

const app = Fastify();
const sampledRequests: string[] = [];
await app.register(requestSpanPlugin, {
  tracer: provider.getTracer('test'),
  onSampled: (request, _reply, span) => sampledRequests.push(`${request.id} ${span.spanContext().traceId}`),
});
app.get('/items/:id', async (request) => ({
  id: (request.params as { id: string }).id,
  // What runs in the handler sees the request span as the active one.
  activeSpanId: trace.getActiveSpan()?.spanContext().spanId,
}));
app.get('/refused', async () => {
  throw Object.assign(new Error('precondition failed'), { statusCode: 412 });
});
app.get('/broken', async () => {
  throw new Error('database unavailable');
});
let releaseSlow: () => void = () => undefined;
app.get('/slow', async () => {
  await new Promise<void>((resolve) => (releaseSlow = resolve));
  return { done: true };
});
t.teardown(() => app.close());

t.beforeEach(() => exporter.reset());

t.test('a sampled request: a SERVER span named by its route, under the caller, active in the handler', async (t) => {
  const { traceId, parentId, traceparent } = sampled();
  const response = await app.inject({ method: 'GET', url: '/items/42?expand=1', headers: { traceparent } });
  t.equal(response.statusCode, 200);
  const [span] = exporter.getFinishedSpans();
  t.equal(span?.name, 'GET /items/:id');
  t.equal(span?.kind, SpanKind.SERVER);
  t.equal(span?.spanContext().traceId, traceId);
  t.equal(span?.parentSpanContext?.spanId, parentId);
  t.strictSame(span?.attributes, {
    'http.request.method': 'GET',
    'url.path': '/items/42',
    'http.route': '/items/:id',
    'http.response.status_code': 200,
  });
  t.strictSame(span?.status, { code: SpanStatusCode.UNSET });
  t.equal(response.json().activeSpanId, span?.spanContext().spanId);
  t.ok(
    sampledRequests.some((entry) => entry.endsWith(traceId)),
    'onSampled was told',
  );
});

t.test('a 4xx leaves the status unset; a 5xx is an error; both record the exception', async (t) => {
  const refused = sampled();
  const broken = sampled();
  t.equal(
    (await app.inject({ method: 'GET', url: '/refused', headers: { traceparent: refused.traceparent } })).statusCode,
    412,
  );
  t.equal(
    (await app.inject({ method: 'GET', url: '/broken', headers: { traceparent: broken.traceparent } })).statusCode,
    500,
  );
  const spanOf = (traceId: string) =>
    exporter.getFinishedSpans().find((span) => span.spanContext().traceId === traceId);
  t.strictSame(spanOf(refused.traceId)?.status, { code: SpanStatusCode.UNSET });
  t.strictSame(spanOf(broken.traceId)?.status, { code: SpanStatusCode.ERROR });
  t.equal(spanOf(refused.traceId)?.events[0]?.name, 'exception');
  t.equal(spanOf(broken.traceId)?.events[0]?.attributes?.['exception.message'], 'database unavailable');
});

t.test('a request no route matches: named by its method alone', async (t) => {
  const { traceId, traceparent } = sampled();
  t.equal((await app.inject({ method: 'GET', url: '/nowhere', headers: { traceparent } })).statusCode, 404);
  const [span] = exporter.getFinishedSpans();
  t.equal(span?.spanContext().traceId, traceId);
  t.equal(span?.name, 'GET');
  t.notOk('http.route' in (span?.attributes ?? {}));
});

t.test('not sampled (a new trace at ratio 0, or an unsampled caller): nothing recorded, nothing told', async (t) => {
  const before = sampledRequests.length;
  await app.inject({ method: 'GET', url: '/items/1' });
  await app.inject({ method: 'GET', url: '/items/2', headers: { traceparent: `00-${hex(16)}-${hex(8)}-00` } });
  t.strictSame(exporter.getFinishedSpans(), []);
  t.equal(sampledRequests.length, before);
});

t.test('a client that goes away before the answer: the span ends as an error', async (t) => {
  const { traceId, traceparent } = sampled();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const client = request({ port, host: '127.0.0.1', path: '/slow', headers: { traceparent } });
  client.on('error', () => undefined);
  client.end();
  await new Promise((resolve) => setTimeout(resolve, 100));
  client.destroy();
  await new Promise((resolve) => setTimeout(resolve, 100));
  releaseSlow();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  t.equal(spans.length, 1, 'ended once');
  t.strictSame(spans[0]?.status, { code: SpanStatusCode.ERROR, message: 'request aborted' });
});

t.test('with the front door: a dropped request runs with no span; a new trace it keeps is recorded', async (t) => {
  const doorExporter = new InMemorySpanExporter();
  // The SDK's own sampler keeps no new trace: a root recorded here was kept by the front door.
  const doorProvider = new TracerProvider({
    sampler: new FrontDoorSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) })),
    spanProcessors: [new SimpleSpanProcessor({ exporter: doorExporter })],
  });
  const appWith = async (ratio: number) => {
    const doorApp = Fastify();
    await doorApp.register(requestSpanPlugin, {
      tracer: doorProvider.getTracer('test'),
      sample: requestSampler('parentbased_traceidratio', ratio),
    });
    doorApp.get('/active', async () => ({ active: trace.getActiveSpan()?.spanContext().spanId ?? null }));
    t.teardown(() => doorApp.close());
    return doorApp;
  };
  const dropping = await appWith(0);
  t.strictSame((await dropping.inject({ method: 'GET', url: '/active' })).json(), { active: null });
  const unsampledCaller = { traceparent: `00-${hex(16)}-${hex(8)}-00` };
  t.strictSame((await dropping.inject({ method: 'GET', url: '/active', headers: unsampledCaller })).json(), {
    active: null,
  });
  t.strictSame(doorExporter.getFinishedSpans(), []);

  const keeping = await appWith(1);
  const answer = (await keeping.inject({ method: 'GET', url: '/active' })).json() as { active: string };
  const [span] = doorExporter.getFinishedSpans();
  t.equal(span?.name, 'GET /active');
  t.equal(span?.parentSpanContext, undefined, 'a new trace');
  t.equal(answer.active, span?.spanContext().spanId, 'active in the handler');
});
