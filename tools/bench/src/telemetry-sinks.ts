/**
 * Stand-ins for the CloudWatch agent on an instance, so the bench can run the api with its
 * instrumentation exporting as in production and say whether anything actually flowed:
 *
 * - an EMF sink: the agent's Embedded Metric Format endpoint, a TCP socket that takes one JSON
 *   document per line (agent config `logs.metrics_collected.emf`, default tcp 127.0.0.1:25888;
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html);
 * - an OTLP/HTTP sink: the agent's OTLP receiver (`traces.traces_collected.otlp`), which takes
 *   `POST /v1/traces` as protobuf or JSON and answers 200 (OTLP/HTTP spec:
 *   https://opentelemetry.io/docs/specs/otlp/#otlphttp).
 *
 * Both only count what they receive; they keep nothing, so a long run costs them no memory.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface EmfCounts {
  /** Lines that parsed as JSON with an `_aws.CloudWatchMetrics` directive. */
  readonly documents: number;
  /** Lines that did not (malformed JSON, or JSON without the directive). */
  readonly invalidLines: number;
  readonly bytes: number;
  /** Metric names declared by the documents' directives, sorted. */
  readonly metricNames: readonly string[];
}

export interface OtlpCounts {
  /** `POST /v1/traces` requests answered 200. */
  readonly requests: number;
  /** Spans in those requests (protobuf or JSON bodies; 0 for a body that could not be read). */
  readonly spans: number;
  readonly bytes: number;
}

export interface Sink<Counts> {
  /** What the api is pointed at: `tcp://127.0.0.1:<port>` or `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  counts(): Counts;
  close(): Promise<void>;
}

/** Metric names declared in an EMF document's directive, or null when the line is not an EMF document. */
export function emfMetricNames(line: string): string[] | null {
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch {
    return null;
  }
  const directives = (document as { _aws?: { CloudWatchMetrics?: unknown } } | null)?._aws?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return null;
  const names: string[] = [];
  for (const directive of directives as { Metrics?: { Name?: unknown }[] }[]) {
    for (const metric of directive.Metrics ?? []) if (typeof metric.Name === 'string') names.push(metric.Name);
  }
  return names;
}

export async function startEmfSink(): Promise<Sink<EmfCounts>> {
  let documents = 0;
  let invalidLines = 0;
  let bytes = 0;
  const names = new Set<string>();
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let pending = '';
    const take = (line: string): void => {
      if (line.trim() === '') return;
      const found = emfMetricNames(line);
      if (found === null) invalidLines += 1;
      else {
        documents += 1;
        for (const name of found) names.add(name);
      }
    };
    socket.on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    socket.on('end', () => take(pending));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    counts: () => ({ documents, invalidLines, bytes, metricNames: [...names].sort() }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a protobuf varint at `offset`; returns the value and the offset after it. */
function varint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let at = offset; at < bytes.length; at += 1) {
    const byte = bytes[at] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at + 1];
    shift += 7;
  }
  throw new RangeError('truncated varint');
}

/** The length-delimited fields numbered `field` of one protobuf message. */
function lengthDelimited(bytes: Uint8Array, field: number): Uint8Array[] {
  const found: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = varint(bytes, offset);
    const wireType = key % 8;
    offset = afterKey;
    if (wireType === 0) offset = varint(bytes, offset)[1];
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const [length, start] = varint(bytes, offset);
      if (start + length > bytes.length) throw new RangeError('truncated field');
      if (Math.floor(key / 8) === field) found.push(bytes.subarray(start, start + length));
      offset = start + length;
    } else throw new RangeError(`unsupported wire type ${wireType}`);
  }
  return found;
}

/**
 * Spans in an OTLP ExportTraceServiceRequest, protobuf encoding: resource_spans = 1,
 * ResourceSpans.scope_spans = 2, ScopeSpans.spans = 2
 * (opentelemetry-proto, opentelemetry/proto/trace/v1/trace.proto).
 */
export function countProtobufSpans(body: Uint8Array): number {
  let spans = 0;
  for (const resourceSpans of lengthDelimited(body, 1)) {
    for (const scopeSpans of lengthDelimited(resourceSpans, 2)) spans += lengthDelimited(scopeSpans, 2).length;
  }
  return spans;
}

/** Spans in an OTLP ExportTraceServiceRequest, JSON encoding. */
export function countJsonSpans(body: string): number {
  const request = JSON.parse(body) as {
    resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
  };
  let spans = 0;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) spans += scopeSpans.spans?.length ?? 0;
  }
  return spans;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export async function startOtlpSink(): Promise<Sink<OtlpCounts>> {
  let requests = 0;
  let spans = 0;
  let bytes = 0;
  const server = createHttpServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      request.resume();
      response.writeHead(404).end();
      return;
    }
    readBody(request).then(
      (body) => {
        const json = (request.headers['content-type'] ?? '').startsWith('application/json');
        requests += 1;
        bytes += body.length;
        try {
          spans += json ? countJsonSpans(body.toString('utf8')) : countProtobufSpans(body);
        } catch {
          // Counted as a request; its spans could not be read.
        }
        // An empty ExportTraceServiceResponse: no body in protobuf, `{}` in JSON.
        response
          .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
          .end(json ? '{}' : '');
      },
      () => response.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ requests, spans, bytes }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
