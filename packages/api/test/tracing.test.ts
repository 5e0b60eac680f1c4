/**
 * Traces (issue 16): the request span continues an incoming W3C trace context, its SQL statements,
 * JWKS fetch and Secrets Manager read are child spans, sampling follows OTEL_TRACES_SAMPLER, and
 * the request's log lines carry trace_id and span_id. Off (the default), nothing of this exists.
 * Spans go to an in-memory exporter, except in the test of the OTLP path: from the export thread
 * (otlp-export-thread.test.ts) to a local collector.
 */
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type SpanContext } from '@opentelemetry/api';
import { InMemorySpanExporter, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { mockClient } from 'aws-sdk-client-mock';
import t from 'tap';
import { ConfigError } from '../src/config.ts';
import { secretsManagerCredentials } from '../src/db/secrets.ts';
import { activeTracing, startTracing } from '../src/tracing/start-tracing.ts';
import { SAMPLER_NAMES, loadTracingConfig } from '../src/tracing/tracing-config.ts';
import { captureLog } from './helpers/captured-log.ts';
import { otlpCollector } from './helpers/otlp-collector.ts';
import { authHeader, buildTestApp } from './helpers/stack.ts';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const traceparent = (traceId: string, parentId: string, flags: '00' | '01'): string =>
  `00-${traceId}-${parentId}-${flags}`;

t.test('configuration from the standard OTEL_* variables', async (t) => {
  t.equal(loadTracingConfig({}), undefined, 'off by default');
  t.equal(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'none' }), undefined);
  t.equal(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), undefined);
  t.strictSame(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' }), {
    exporter: 'otlp',
    serviceName: 'taskboard-api',
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
    otlpTracesUrl: 'http://localhost:4318/v1/traces',
  });
  t.match(
    loadTracingConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.05',
      OTEL_SERVICE_NAME: 'taskboard-api-prod',
    }),
    {
      otlpTracesUrl: 'http://127.0.0.1:4318/v1/traces',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.05,
      serviceName: 'taskboard-api-prod',
    },
    'the base endpoint gets /v1/traces',
  );
  t.match(
    loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/x' }),
    { otlpTracesUrl: 'http://collector:4318/x' },
    'the signal-specific endpoint is used as is',
  );
  for (const [env, message] of [
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER must be otlp, console or none/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER must be one of/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER_ARG: '1.5' }, /OTEL_TRACES_SAMPLER_ARG must be a number/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost' }, /OTEL_EXPORTER_OTLP_ENDPOINT must/],
  ] as const) {
    t.throws(() => loadTracingConfig(env), new ConfigError(''), 'a ConfigError stops start-up');
    t.throws(() => loadTracingConfig(env), { message: message });
  }
});

// Runs before tracing starts below (tap runs a file's top-level tests in order).
t.test('off (the default): no tracer, no request span, no trace fields in the log', async (t) => {
  t.equal(await startTracing({}), undefined);
  t.equal(activeTracing(), undefined);
  const log = captureLog();
  const app = await buildTestApp(t, { logLevel: 'info' }, { logger: { level: 'info', stream: log.stream } });
  const response = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { traceparent: traceparent(hex(16), hex(8), '01') },
  });
  t.equal(response.statusCode, 200);
  const line = log.lines.find((entry) => entry.msg === 'request completed');
  t.ok(line, 'the request is logged');
  t.notOk('trace_id' in (line ?? {}), 'no trace_id');
  t.equal(trace.getActiveSpan(), undefined);
  t.notOk(Reflect.has(globalThis, 'PRISMA_INSTRUMENTATION'), 'Prisma tracing not loaded');
});

t.test('on', async (t) => {
  const exporter = new InMemorySpanExporter();
  // Root requests are never sampled (ratio 0); a sampled parent is followed (parentbased).
  const tracing = await startTracing(
    {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      OTEL_SERVICE_NAME: 'taskboard-test',
    },
    { exporter },
  );
  t.ok(tracing);
  t.equal(activeTracing(), tracing);
  await t.rejects(startTracing({ OTEL_TRACES_EXPORTER: 'otlp' }), /already started/, 'once per process');
  const log = captureLog();
  const app = await buildTestApp(t, { logLevel: 'info' }, { logger: { level: 'info', stream: log.stream } });
  const lineOf = (response: { headers: Record<string, unknown> }): Record<string, unknown> | undefined =>
    log.lines.find(
      (entry) => entry.msg === 'request completed' && entry.requestId === response.headers['x-request-id'],
    );
  const spansOf = (traceId: string): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

  t.test('a sampled traceparent: server span, SQL and JWKS child spans, ids in the log', async (t) => {
    const traceId = hex(16);
    const parentId = hex(8);
    // A fresh app: its first token fetches the issuer's JWKS from the local Cognito emulator.
    const fresh = await buildTestApp(t, { logLevel: 'info' }, { logger: { level: 'info', stream: log.stream } });
    exporter.reset();
    const response = await fresh.inject({
      method: 'GET',
      url: '/v1/me',
      headers: {
        ...(await authHeader('alice')),
        traceparent: traceparent(traceId, parentId, '01'),
        tracestate: 'vendor=value',
      },
    });
    t.equal(response.statusCode, 200);
    const spans = spansOf(traceId);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    t.ok(server, 'a server span continues the incoming trace');
    if (server === undefined) return;
    t.equal(server.parentSpanContext?.spanId, parentId, 'its parent is the caller');
    t.equal(server.parentSpanContext?.traceState?.get('vendor'), 'value', 'tracestate continues too');
    t.equal(server.attributes['http.route'], '/v1/me');
    t.equal(server.attributes['http.response.status_code'], 200);
    t.equal(server.resource.attributes['service.name'], 'taskboard-test');
    t.notOk(
      spans.some((span) => 'hook.name' in span.attributes),
      'one span for the request, none per Fastify hook or handler',
    );

    // Every other span of the trace descends from the server span.
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const descendsFromServer = (span: ReadableSpan): boolean => {
      for (
        let at: ReadableSpan | undefined = span;
        at !== undefined;
        at = byId.get(at.parentSpanContext?.spanId ?? '')
      ) {
        if (at === server) return true;
      }
      return false;
    };
    const sql = spans.filter((span) => typeof span.attributes['db.query.text'] === 'string');
    t.ok(sql.length > 0, 'SQL statements are spans');
    t.ok(
      sql.every((span) => span.kind === SpanKind.CLIENT && descendsFromServer(span)),
      'CLIENT spans under the request',
    );
    t.ok(
      sql.some((span) => /"users"/.test(String(span.attributes['db.query.text']))),
      'with the statement text (the users row /v1/me reads)',
    );
    const jwks = spans.find((span) => String(span.attributes['url.full']).endsWith('/.well-known/jwks.json'));
    t.ok(jwks, 'the JWKS fetch is a span');
    t.equal(jwks?.kind, SpanKind.CLIENT);
    t.ok(jwks !== undefined && descendsFromServer(jwks), 'under the request');

    const line = lineOf(response);
    t.equal(line?.trace_id, traceId, 'the log line carries the trace id');
    t.equal(line?.span_id, server.spanContext().spanId, 'and the request span id');
  });

  t.test('a 4xx answer leaves the server span status unset', async (t) => {
    // https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status
    exporter.reset();
    const traceId = hex(16);
    const response = await app.inject({
      method: 'GET',
      url: '/v1/tasks/01890a5d-ac96-774b-bcce-b302099a8057',
      headers: { ...(await authHeader('alice')), traceparent: traceparent(traceId, hex(8), '01') },
    });
    t.equal(response.statusCode, 404);
    const server = spansOf(traceId).find((span) => span.kind === SpanKind.SERVER);
    t.equal(server?.attributes['http.response.status_code'], 404);
    t.strictSame(server?.status, { code: SpanStatusCode.UNSET }, 'not an error of the service');
    t.ok(
      server?.events.some((event) => event.name === 'exception'),
      'the problem is still recorded on the span',
    );
  });

  t.test('sampling: ratio 0 samples no root, an unsampled parent is followed', async (t) => {
    exporter.reset();
    const root = await app.inject({ method: 'GET', url: '/health/live' });
    const traceId = hex(16);
    const unsampled = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { traceparent: traceparent(traceId, hex(8), '00') },
    });
    t.equal(root.statusCode, 200);
    t.equal(unsampled.statusCode, 200);
    t.strictSame(exporter.getFinishedSpans(), [], 'no span exported');
    t.notOk('trace_id' in (lineOf(root) ?? {}), 'no trace id to look up in the log');
    t.notOk('trace_id' in (lineOf(unsampled) ?? {}));
    await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { traceparent: traceparent(traceId, hex(8), '01') },
    });
    t.equal(spansOf(traceId).length, 1, 'a sampled parent is followed');
  });

  t.test('Secrets Manager GetSecretValue is a CLIENT span under the active one', async (t) => {
    // Verified at the SDK boundary only (aws-sdk-client-mock): no AWS endpoint is reachable here.
    const sm = mockClient(SecretsManagerClient);
    t.teardown(() => sm.restore());
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ host: 'db', port: 5432, username: 'u', password: 'p', dbname: 'd' }),
    });
    exporter.reset();
    const parent: SpanContext = { traceId: hex(16), spanId: hex(8), traceFlags: 1, isRemote: true };
    await context.with(trace.setSpanContext(ROOT_CONTEXT, parent), () =>
      secretsManagerCredentials({ secretId: 'taskboard/db', region: 'eu-west-1' }).current(),
    );
    const [span] = spansOf(parent.traceId);
    t.equal(span?.name, 'SecretsManager.GetSecretValue');
    t.equal(span?.kind, SpanKind.CLIENT);
    t.equal(span?.parentSpanContext?.spanId, parent.spanId);
    t.match(span?.attributes, {
      'rpc.system': 'aws-api',
      'rpc.service': 'SecretsManager',
      'rpc.method': 'GetSecretValue',
      'cloud.region': 'eu-west-1',
    });
  });

  t.test('each OTEL_TRACES_SAMPLER name is the sampler the specification defines', async (t) => {
    // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
    const { samplerFor } = await import('../src/tracing/tracing-sdk.ts');
    const parentBased = (root: string): string =>
      `ParentBased{root=${root}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, ` +
      'localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}';
    t.strictSame(
      // The names the configuration accepts; the expected object below spells out the specification's.
      Object.fromEntries(SAMPLER_NAMES.map((name) => [name, String(samplerFor(name, 0.1))])),
      {
        always_on: 'AlwaysOnSampler',
        always_off: 'AlwaysOffSampler',
        traceidratio: 'TraceIdRatioBased{0.1}',
        parentbased_always_on: parentBased('AlwaysOnSampler'),
        parentbased_always_off: parentBased('AlwaysOffSampler'),
        parentbased_traceidratio: parentBased('TraceIdRatioBased{0.1}'),
      },
    );
  });

  t.test('otlp: spans are POSTed as OTLP/HTTP protobuf to the configured traces URL', async (t) => {
    // http/protobuf is the OTLP exporters' default protocol and /v1/traces the path appended to a base
    // endpoint (https://opentelemetry.io/docs/specs/otel/protocol/exporter/); the CloudWatch agent listens
    // for OTLP over HTTP on 127.0.0.1:4318 unless configured otherwise
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-OpenTelemetry-metrics.html).
    // What the agent does with the spans (X-Ray) is verified only by reading that page.
    const { base, received } = await otlpCollector(t);
    const { spanProcessor } = await import('../src/tracing/tracing-sdk.ts');
    const url = loadTracingConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: base,
    })?.otlpTracesUrl;
    const provider = new TracerProvider({
      spanProcessors: [await spanProcessor({ exporter: 'otlp', otlpTracesUrl: url ?? '' }, {})],
    });
    provider.getTracer('test').startSpan('exported').end();
    await provider.forceFlush();
    await provider.shutdown();
    t.match(received, [{ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' } }]);
    t.ok(received[0]?.body.includes('exported'), 'with the span in the body, sent from the export thread');
  });

  t.test('the traceidratio sampler keeps about its ratio of new traces', async (t) => {
    const { samplerFor } = await import('../src/tracing/tracing-sdk.ts');
    const sampler = samplerFor('traceidratio', 0.25);
    let kept = 0;
    for (let i = 0; i < 2000; i++) {
      const result = sampler.shouldSample(ROOT_CONTEXT, hex(16), 'request', SpanKind.SERVER, {}, []);
      if (result.decision !== 0) kept++;
    }
    t.ok(kept > 400 && kept < 600, `kept ${kept} of 2000 at ratio 0.25`);
  });

  t.teardown(() => tracing?.shutdown());
});
