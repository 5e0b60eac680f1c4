// Application metrics through the real stack (app.inject, PostgreSQL, tokens from the local Cognito),
// received as the CloudWatch agent would receive them: newline-delimited EMF documents on a TCP socket.
//
// What the documents must look like is CloudWatch behaviour, encoded here from its pages:
// - the EMF specification (the `_aws` metadata, its JSON schema, dimension and metric targets):
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// - the agent's EMF listener (tcp:25888 by default, `logs.metrics_collected.emf`):
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html
// - an aggregated distribution `{ Values, Counts, Max, Min, Count, Sum }`: not on the specification
//   page; it is what the CloudWatch agent itself emits for histograms (aws/amazon-cloudwatch-agent,
//   "The SampleCount of CloudWatch metrics will be calculated by the sum of the 'Counts' array"),
//   Values/Counts as PutMetricData defines them, at most 100 values:
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
// Whether CloudWatch then extracts the metrics is verified only by those documents, not here.
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import t from 'tap';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import type { AppConfig, MetricsConfig } from '../src/config.ts';
import { captureLog, stdoutDuring } from './helpers/captured-log.ts';
import { buildSheddingApp, stallEventLoop } from './helpers/overload.ts';
import { authHeader, createTestDatabase, testConfig, type Tap } from './helpers/stack.ts';

type Document = Record<string, unknown> & {
  _aws: {
    Timestamp: number;
    LogGroupName?: string;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
};

/** The metadata schema published on the specification page (its `_aws` part, as given there). */
const METADATA_SCHEMA = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer' },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 255 },
              Dimensions: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'array',
                  minItems: 0,
                  maxItems: 9,
                  items: { type: 'string', minLength: 1, maxLength: 255 },
                },
              },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 255 },
                    Unit: {
                      type: 'string',
                      pattern:
                        '^(Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes\\/Second|Kilobytes\\/Second|Megabytes\\/Second|Gigabytes\\/Second|Terabytes\\/Second|Bits\\/Second|Kilobits\\/Second|Megabits\\/Second|Gigabits\\/Second|Terabits\\/Second|Count\\/Second|None)$',
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};
const validateMetadata = new Ajv({ allErrors: true }).compile(METADATA_SCHEMA);

/** Every rule of the page a document can break, as a list of what is wrong (empty when valid). */
function emfViolations(document: Document): string[] {
  const problems: string[] = [];
  if (!validateMetadata(document)) problems.push(...(validateMetadata.errors ?? []).map((e) => JSON.stringify(e)));
  for (const directive of document._aws?.CloudWatchMetrics ?? []) {
    for (const set of directive.Dimensions) {
      for (const key of set) {
        if (typeof document[key] !== 'string') problems.push(`dimension ${key} is not a string member of the root`);
      }
    }
    for (const { Name } of directive.Metrics) {
      const value = document[Name];
      if (typeof value === 'number') continue;
      if (Array.isArray(value)) {
        if (value.length > 100 || value.some((v) => typeof v !== 'number')) problems.push(`${Name}: bad numeric array`);
        continue;
      }
      const d = value as {
        Values?: unknown;
        Counts?: unknown;
        Count?: unknown;
        Sum?: unknown;
        Min?: unknown;
        Max?: unknown;
      };
      const values = d?.Values as number[] | undefined;
      const counts = d?.Counts as number[] | undefined;
      if (!Array.isArray(values) || !Array.isArray(counts) || values.length !== counts.length || values.length > 100) {
        problems.push(`${Name}: neither a number nor Values/Counts of equal length <= 100`);
        continue;
      }
      if (counts.reduce((a, b) => a + b, 0) !== d.Count) problems.push(`${Name}: Counts do not add up to Count`);
      for (const field of ['Sum', 'Min', 'Max'] as const) {
        if (typeof d[field] !== 'number') problems.push(`${Name}: ${field} missing`);
      }
    }
  }
  return problems;
}

interface Sink {
  readonly endpoint: URL;
  readonly documents: Document[];
  connections: number;
  /** Resolves once every connection the app opened has ended (its last line read). */
  ended(): Promise<void>;
  /** Closes every open connection, as an agent restart does. */
  dropConnections(): void;
}

/** A stand-in for the agent's EMF listener: collects every line it receives. */
async function emfSink(t: Tap): Promise<Sink> {
  const documents: Document[] = [];
  let open = 0;
  const sockets = new Set<Socket>();
  const sink = {
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    documents,
    connections: 0,
    ended: async () => {
      for (let i = 0; i < 100 && open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    },
  } as Sink & { endpoint: URL };
  const server: Server = createServer((socket) => {
    sink.connections += 1;
    open += 1;
    sockets.add(socket);
    socket.on('close', () => {
      open -= 1;
      sockets.delete(socket);
    });
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) documents.push(JSON.parse(line) as Document);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  sink.endpoint = new URL(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return sink;
}

function metricsConfig(endpoint: URL, overrides: Partial<MetricsConfig> = {}): MetricsConfig {
  return {
    exporter: 'emf-agent',
    emfEndpoint: endpoint,
    flushSeconds: 60,
    serviceName: 'taskboard-test',
    ...overrides,
  };
}

async function appWith(
  t: Tap,
  overrides: Partial<AppConfig>,
  logger: Parameters<typeof buildApp>[0]['logger'] = false,
) {
  const app = await buildApp({ config: testConfig(await createTestDatabase(t), overrides), logger });
  let closed = false;
  t.teardown(() => (closed ? undefined : app.close()));
  await app.ready();
  return {
    app,
    close: async () => {
      closed = true;
      await app.close();
    },
  };
}

const operationDocument = (documents: Document[], operation: string) =>
  documents.filter((d) => d.Operation === operation);
const serviceDocument = (documents: Document[]) => documents.find((d) => 'EventLoopUtilization' in d);

async function traffic(app: FastifyInstance): Promise<number[]> {
  const alice = await authHeader('alice');
  const statuses: number[] = [];
  const send = async (url: string, headers: Record<string, string> = {}) =>
    statuses.push((await app.inject({ method: 'GET', url, headers })).statusCode);
  await send('/health/live');
  await send('/v1/me', alice);
  await send(`/v1/projects/${randomUUID()}`, alice);
  await send('/v1/me'); // no token
  await send('/nowhere');
  await send('/v1/me', alice);
  await send('/v1/me', alice); // the 4th request of the user: over RATE_LIMIT_MAX=3
  return statuses;
}

t.test('EMF documents reach the agent endpoint on close: valid per the specification, with the counts', async (t) => {
  const sink = await emfSink(t);
  const { app, close } = await appWith(t, {
    metrics: metricsConfig(sink.endpoint),
    rateLimit: { max: 3, windowMs: 60_000, anonymousMax: 10_000 },
  });
  t.same(await traffic(app), [200, 200, 404, 401, 404, 200, 429]);
  t.equal(sink.documents.length, 0, 'nothing is sent per request');
  await close(); // the drain: the interval's aggregates are flushed before the app is gone
  await sink.ended();
  const { documents } = sink;

  for (const document of documents) t.same(emfViolations(document), [], `valid EMF: ${JSON.stringify(document)}`);
  t.ok(
    documents.every((d) => d._aws.CloudWatchMetrics.every((m) => m.Namespace === 'Taskboard')),
    'namespace Taskboard',
  );
  t.ok(
    documents.every((d) => d.Service === 'taskboard-test'),
    'Service dimension from OTEL_SERVICE_NAME',
  );
  t.ok(
    documents.every((d) => !('LogGroupName' in d._aws)),
    'no METRICS_EMF_LOG_GROUP: no LogGroupName, the agent uses its default group',
  );

  const [me, ...moreMe] = operationDocument(documents, 'getMe');
  t.equal(moreMe.length, 0, 'one document per operation per flush');
  t.match(me, { Requests: 4, Errors4xx: 2, Errors5xx: 0, Latency: { Count: 4 } }, '200, 401, 200, 429');
  t.same(me?._aws.CloudWatchMetrics[0]?.Dimensions, [['Service'], ['Service', 'Operation']]);
  t.same(me?._aws.CloudWatchMetrics[0]?.Metrics, [
    { Name: 'Requests', Unit: 'Count' },
    { Name: 'Errors4xx', Unit: 'Count' },
    { Name: 'Errors5xx', Unit: 'Count' },
    { Name: 'Latency', Unit: 'Milliseconds' },
  ]);
  const latency = me?.Latency as { Min: number; Max: number; Sum: number; Values: number[] };
  t.ok(latency.Min > 0 && latency.Min <= latency.Max && latency.Sum >= latency.Max, 'latency in milliseconds');
  t.ok(
    latency.Values.every((v) => v >= latency.Min && v <= latency.Max),
    'bucket values lie within the observed range',
  );
  t.match(operationDocument(documents, 'getProject'), [{ Requests: 1, Errors4xx: 1 }]);
  t.match(operationDocument(documents, 'getLiveness'), [{ Requests: 1, Errors4xx: 0 }]);
  t.match(operationDocument(documents, 'unmatched'), [{ Requests: 1, Errors4xx: 1 }]);

  const problems = Object.fromEntries(documents.filter((d) => 'Problems' in d).map((d) => [d.ProblemType, d.Problems]));
  t.same(problems, { 'not-found': 2, unauthorized: 1, 'rate-limited': 1 }, 'Problems by ProblemType');
  const auth = documents.filter((d) => 'AuthFailures' in d);
  t.match(auth, [{ Reason: 'no-token', AuthFailures: 1 }]);
  t.same(auth[0]?._aws.CloudWatchMetrics[0]?.Dimensions, [['Service', 'Reason']]);

  const service = serviceDocument(documents);
  t.same(service?._aws.CloudWatchMetrics[0]?.Dimensions, [['Service']]);
  t.match(service, {
    DbPoolInUse: Number,
    DbPoolWaiting: 0,
    DbPoolWaitTime: { Count: Number },
    EventLoopDelayP99: Number,
    EventLoopUtilization: Number,
    RequestsShed: 0,
    RateLimited: 1,
    JwksFetches: 1,
  });
  t.ok((service?.DbPoolWaitTime as { Count: number }).Count >= 2, 'each query that took a connection waited');
  t.ok((service?.EventLoopUtilization as number) > 0 && (service?.EventLoopUtilization as number) <= 100);
  t.equal(sink.connections, 1);
});

// The CloudWatch agent writes a document to the log group named in its `_aws.LogGroupName`, else to
// `emf/logs/default` (its `logs.metrics_collected.emf` section has no option for the group): how the
// EMF client libraries direct the agent (https://github.com/awslabs/aws-embedded-metrics-node#configuration,
// "LogGroupName: For agent-based platforms, ... passed from the library to the agent in the Embedded
// Metric payload"), and what the agent's exporter reads (open-telemetry/opentelemetry-collector-contrib
// exporter/awscloudwatchlogsexporter/exporter.go). Verified from those sources, not against an agent.
t.test('METRICS_EMF_LOG_GROUP is in every document the agent receives, as _aws.LogGroupName', async (t) => {
  const sink = await emfSink(t);
  const logGroup = '/taskboard/taskboard-test/api-metrics';
  const { app, close } = await appWith(t, {
    metrics: metricsConfig(sink.endpoint, { emfLogGroup: logGroup }),
    rateLimit: { max: 3, windowMs: 60_000, anonymousMax: 10_000 },
  });
  await traffic(app);
  await close();
  await sink.ended();
  const { documents } = sink;
  // Per operation, per problem type, per auth failure reason and the process document.
  t.ok(operationDocument(documents, 'getMe').length === 1 && serviceDocument(documents) !== undefined);
  t.ok(documents.some((d) => 'Problems' in d) && documents.some((d) => 'AuthFailures' in d));
  for (const document of documents) {
    t.equal(document._aws.LogGroupName, logGroup, `LogGroupName in ${JSON.stringify(document)}`);
    t.same(emfViolations(document), [], 'still valid EMF');
  }
});

t.test('documents are flushed every METRICS_FLUSH_SECONDS, each interval counting only its own requests', async (t) => {
  const sink = await emfSink(t);
  const { app, close } = await appWith(t, { metrics: metricsConfig(sink.endpoint, { flushSeconds: 1 }) });
  await app.inject({ method: 'GET', url: '/health/live' });
  for (let i = 0; i < 100 && sink.documents.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.match(operationDocument(sink.documents, 'getLiveness'), [{ Requests: 1 }], 'sent by the timer');
  await close();
  await sink.ended();
  t.equal(operationDocument(sink.documents, 'getLiveness').length, 1, 'not sent again once counted');
});

t.test('after the agent restarts, the next flush reconnects and nothing of that interval is lost', async (t) => {
  const sink = await emfSink(t);
  const { app, close } = await appWith(t, { metrics: metricsConfig(sink.endpoint, { flushSeconds: 1 }) });
  const liveness = () => operationDocument(sink.documents, 'getLiveness');
  await app.inject({ method: 'GET', url: '/health/live' });
  for (let i = 0; i < 100 && liveness().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  sink.dropConnections();
  await app.inject({ method: 'GET', url: '/health/live' });
  await app.inject({ method: 'GET', url: '/health/live' });
  const counted = () => liveness().reduce((sum, d) => sum + (d.Requests as number), 0);
  for (let i = 0; i < 100 && counted() < 3; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(counted(), 3, 'the requests after the restart arrive too, before close');
  await close();
  await sink.ended();
  t.equal(counted(), 3);
  t.equal(sink.connections, 2);
});

t.test('METRICS_EXPORTER=stdout writes one document per line to stdout', async (t) => {
  const { app, close } = await appWith(t, {
    metrics: metricsConfig(new URL('tcp://127.0.0.1:1'), { exporter: 'stdout' }),
  });
  await app.inject({ method: 'GET', url: '/health/live' });
  const documents = (await stdoutDuring(close)) as Document[];
  for (const document of documents) t.same(emfViolations(document), []);
  t.match(operationDocument(documents, 'getLiveness'), [{ Requests: 1 }]);
});

t.test('METRICS_EXPORTER=none sends nothing', async (t) => {
  const sink = await emfSink(t);
  const { app, close } = await appWith(t, { metrics: metricsConfig(sink.endpoint, { exporter: 'none' }) });
  t.equal((await app.inject({ method: 'GET', url: '/v1/me' })).statusCode, 401);
  await close();
  t.equal(sink.connections, 0);
  t.same(sink.documents, []);
});

t.test('a dead agent endpoint fails no request and costs one warning per interval', async (t) => {
  const log = captureLog();
  const warnings = () => log.lines.filter((line) => line.msg === 'metrics not sent').length;
  // A port nothing listens on any more.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const { app, close } = await appWith(
    t,
    { metrics: metricsConfig(new URL(`tcp://127.0.0.1:${port}`), { flushSeconds: 1 }) },
    { level: 'warn', stream: log.stream },
  );
  const readyAt = Date.now();
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  for (let i = 0; i < 100 && warnings() === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const intervals = Math.ceil((Date.now() - readyAt) / 1_000);
  const seen = warnings();
  t.ok(seen >= 1 && seen <= intervals, `${seen} warning(s) in ${intervals} interval(s)`);
  const closing = Date.now();
  await close();
  t.ok(Date.now() - closing < 2_000, 'closing does not wait on the dead agent');
  t.ok(warnings() > seen, 'and one for the final flush');
});

t.test('shed requests and a stalled event loop show in the service document', async (t) => {
  const sink = await emfSink(t);
  const app = await buildSheddingApp(t, { metrics: metricsConfig(sink.endpoint) });
  // p99 of the delay monitor's 10 ms ticks: one stall is a single sample, lost among hundreds on a
  // busy machine; twenty 100 ms stalls, each between two ticks, are well above 1 % of them.
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 20; i++) {
    const until = Date.now() + 100;
    while (Date.now() < until) {
      /* busy */
    }
    await new Promise((r) => setTimeout(r, 11));
  }
  await stallEventLoop(app);
  t.equal((await app.inject({ method: 'GET', url: '/v1/me' })).statusCode, 503);
  await new Promise((r) => setTimeout(r, 50));
  await app.close();
  await sink.ended();
  const service = serviceDocument(sink.documents);
  t.match(service, { RequestsShed: 1 });
  t.ok(
    (service?.EventLoopDelayP99 as number) >= 80,
    `p99 ${String(service?.EventLoopDelayP99)} ms after twenty 100 ms stalls`,
  );
  t.match(operationDocument(sink.documents, 'getMe'), [{ Requests: 1, Errors5xx: 1 }]);
  t.match(
    sink.documents.filter((d) => 'Problems' in d),
    [{ ProblemType: 'unavailable', Problems: 1 }],
  );
});
