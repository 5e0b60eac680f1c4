/**
 * A W3C trace context (https://www.w3.org/TR/trace-context/) passed through the SDK reaches the
 * server on every attempt, retries included: per call in `headers`, for every call from the
 * `onRequest` hook (where an app's OpenTelemetry `propagation.inject` writes it). That the API
 * continues it (its request span is a child of the caller's) is tested in packages/api
 * test/tracing.test.ts; the API's CORS policy allows both headers from browsers (cors-policy.test.ts).
 */
import t from 'tap';
import { Taskboard } from '../src/index.ts';
import { json, startServer, task } from './helpers/server.ts';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const TRACESTATE = 'congo=t61rcWkgMzE';

t.test('per call: headers.traceparent and tracestate, on the first attempt and the retry', async (t) => {
  const s = await startServer(json(503, { title: 'down', status: 503 }, { 'retry-after': '0' }), json(200, task));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url, token: 't' });
  await tb.tasks.get(task.id, { headers: { traceparent: TRACEPARENT, tracestate: TRACESTATE } });
  t.same(
    s.requests.map((r) => [r.headers.traceparent, r.headers.tracestate]),
    [
      [TRACEPARENT, TRACESTATE],
      [TRACEPARENT, TRACESTATE],
    ],
  );
});

t.test('every call: the onRequest hook writes the current context into the mutable headers', async (t) => {
  const s = await startServer(json(200, task));
  t.teardown(s.close);
  // Stands in for `propagation.inject(context.active(), e.headers)` of @opentelemetry/api, which sets
  // the same two keys on a plain object.
  const inject = (carrier: Record<string, string>): void => {
    carrier['traceparent'] = TRACEPARENT;
    carrier['tracestate'] = TRACESTATE;
  };
  const tb = new Taskboard({ baseUrl: s.url, token: 't', onRequest: (e) => inject(e.headers) });
  await tb.tasks.get(task.id);
  await tb.me.get();
  t.same(
    s.requests.map((r) => r.headers.traceparent),
    [TRACEPARENT, TRACEPARENT],
  );
  t.equal(s.requests[0]?.headers.tracestate, TRACESTATE);
});
