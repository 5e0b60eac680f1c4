import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import {
  countJsonSpans,
  countProtobufSpans,
  emfMetricNames,
  startEmfSink,
  startOtlpSink,
} from '../src/telemetry-sinks.ts';

// An EMF document as the CloudWatch agent takes it: one JSON object per line with an `_aws`
// directive (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
const emf = (...names: string[]): string =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_764_600_000_000,
      CloudWatchMetrics: [
        { Namespace: 'Taskboard', Dimensions: [['Service']], Metrics: names.map((Name) => ({ Name, Unit: 'Count' })) },
      ],
    },
    Service: 'taskboard-api',
    ...Object.fromEntries(names.map((name) => [name, 1])),
  });

// Hand-written protobuf, so the decoder is checked against the wire format, not against itself.
const varint = (value: number): number[] => {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
};
const field = (number: number, payload: Uint8Array | number[]): number[] => [
  ...varint((number << 3) | 2),
  ...varint(payload.length),
  ...payload,
];
// A Span (opentelemetry/proto/trace/v1/trace.proto) with a length-delimited, a varint, a fixed64
// and a fixed32 field (flags = 16, whose key is a two-byte varint), so every wire type is skipped.
const span = (name: string): number[] => [
  ...field(1, new Array<number>(16).fill(7)),
  ...field(5, [...Buffer.from(name)]),
  ...varint((6 << 3) | 0),
  2,
  ...varint((7 << 3) | 1),
  ...new Array<number>(8).fill(1),
  ...varint((16 << 3) | 5),
  1,
  0,
  0,
  0,
];
const scopeSpans = (...spans: number[][]): number[] => [
  ...field(1, field(1, [...Buffer.from('@opentelemetry/instrumentation-http')])),
  ...spans.flatMap((s) => field(2, s)),
];
const exportRequest = (...resources: number[][][]): Uint8Array =>
  Uint8Array.from(
    resources.flatMap((scopes) => field(1, [...field(1, []), ...scopes.flatMap((scope) => field(2, scope))])),
  );

t.test('EMF lines: metric names of a document, null for anything else', async (t) => {
  t.same(emfMetricNames(emf('Requests', 'Latency')), ['Requests', 'Latency']);
  t.equal(emfMetricNames('{"message":"request completed"}'), null, 'a log line is not an EMF document');
  t.equal(emfMetricNames('{"_aws":'), null);
  t.equal(emfMetricNames('null'), null);
});

t.test('protobuf spans are counted across resources and scopes, every wire type skipped', async (t) => {
  t.equal(countProtobufSpans(exportRequest([scopeSpans(span('GET /v1/tasks/:id'), span('pg.query'))])), 2);
  t.equal(
    countProtobufSpans(exportRequest([scopeSpans(span('a')), scopeSpans(span('b'))], [scopeSpans(span('c'))])),
    3,
  );
  t.equal(countProtobufSpans(new Uint8Array()), 0);
  t.throws(() => countProtobufSpans(Uint8Array.from([0x0a, 0x05, 1])), /truncated field/);
  t.throws(() => countProtobufSpans(Uint8Array.from([0x80])), /truncated varint/);
  t.throws(() => countProtobufSpans(Uint8Array.from([0x0b])), /unsupported wire type 3/);
});

t.test('JSON spans are counted', async (t) => {
  const body = { resourceSpans: [{ scopeSpans: [{ spans: [{}, {}] }, {}] }, { scopeSpans: [{ spans: [{}] }] }, {}] };
  t.equal(countJsonSpans(JSON.stringify(body)), 3);
  t.equal(countJsonSpans('{}'), 0);
});

t.test('the EMF sink counts documents sent over TCP, split across writes and connections', async (t) => {
  const sink = await startEmfSink();
  t.teardown(() => sink.close());
  t.match(sink.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(new URL(sink.endpoint).port);
  const send = async (...chunks: string[]): Promise<void> => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    for (const chunk of chunks) {
      socket.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise<void>((resolve) => socket.end(resolve));
  };
  const document = emf('Requests', 'Latency');
  await send(`${document}\n${document.slice(0, 20)}`, `${document.slice(20)}\nnot json\n\n`);
  // The last document of a connection needs no newline.
  await send(emf('DbPoolInUse'));
  for (let waited = 0; sink.counts().documents < 3 && waited < 2_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.match(sink.counts(), { documents: 3, invalidLines: 1, metricNames: ['DbPoolInUse', 'Latency', 'Requests'] });
  t.equal(sink.counts().bytes, 2 * document.length + 2 + 'not json\n\n'.length + emf('DbPoolInUse').length);
});

t.test('the OTLP sink answers POST /v1/traces with 200 and counts spans, protobuf, gzip or JSON', async (t) => {
  const sink = await startOtlpSink();
  t.teardown(() => sink.close());
  const post = (body: Uint8Array | string, headers: Record<string, string>, path = '/v1/traces') =>
    fetch(`${sink.endpoint}${path}`, { method: 'POST', headers, body });
  const protobuf = exportRequest([scopeSpans(span('GET'), span('pg.query'))]);

  const answer = await post(protobuf, { 'content-type': 'application/x-protobuf' });
  t.equal(answer.status, 200);
  t.equal(answer.headers.get('content-type'), 'application/x-protobuf');
  t.equal((await answer.arrayBuffer()).byteLength, 0, 'an empty ExportTraceServiceResponse');
  const gzipped = await post(gzipSync(protobuf), {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'gzip',
  });
  t.equal(gzipped.status, 200);
  await gzipped.arrayBuffer();
  const json = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{}] }] }] }), {
    'content-type': 'application/json',
  });
  t.equal(await json.text(), '{}');
  const garbage = await post(Uint8Array.from([0x0b]), { 'content-type': 'application/x-protobuf' });
  t.equal(garbage.status, 200, 'still answered: the sink counts, it does not judge');
  await garbage.arrayBuffer();
  const metrics = await post('{}', { 'content-type': 'application/json' }, '/v1/metrics');
  t.equal(metrics.status, 404, 'only traces are expected');
  await metrics.arrayBuffer();
  const badGzip = await post('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  t.equal(badGzip.status, 400);
  await badGzip.arrayBuffer();

  t.same(sink.counts(), { requests: 4, spans: 5, bytes: 2 * protobuf.length + 51 + 1 });
});
