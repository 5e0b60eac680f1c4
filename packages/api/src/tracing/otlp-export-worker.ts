/**
 * The span export thread (started by otlp-export-thread.ts): receives batches already serialised as
 * OTLP protobuf and POSTs them with the OpenTelemetry exporter's HTTP export delegate, configured
 * the way @opentelemetry/exporter-trace-otlp-proto configures it, so OTEL_EXPORTER_OTLP_(TRACES_)
 * HEADERS, TIMEOUT, COMPRESSION and the certificate variables, the retries on 429/502/503/504 and
 * the bounded number of exports in flight are the library's, not ours.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ExportThreadData, ExportThreadReply, ExportThreadRequest } from './otlp-export-thread.ts';

interface SerialisedBatch {
  readonly bytes: Uint8Array;
  readonly spans: number;
}

const port = parentPort;
if (port === null) throw new Error('otlp-export-worker.ts runs as a worker thread (otlp-export-thread.ts starts it)');
const { url } = workerData as ExportThreadData;

const exporter = new OTLPExporterBase<SerialisedBatch>(
  createOtlpHttpExportDelegate(
    // The same options OTLPTraceExporter passes (its constructor, 0.301): env variables under TRACES,
    // the v1/traces path appended to a base endpoint, protobuf content.
    convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    {
      serializeRequest: (batch) => batch.bytes,
      deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
    },
    'otlp_http_span_exporter',
    { name: 'span', countItems: (batch) => batch.spans },
    undefined,
  ),
);

const reply = (message: ExportThreadReply): void => port.postMessage(message);
const failed = (id: number, error: unknown): void =>
  reply({ id, error: error instanceof Error ? error.message : String(error) });

port.on('message', (request: ExportThreadRequest) => {
  switch (request.kind) {
    case 'export':
      exporter.export({ bytes: request.bytes, spans: request.spans }, (result) => {
        if (result.code === ExportResultCode.SUCCESS) reply({ id: request.id });
        else failed(request.id, result.error ?? 'the export failed');
      });
      return;
    case 'flush':
      exporter.forceFlush().then(
        () => reply({ id: request.id }),
        (error: unknown) => failed(request.id, error),
      );
      return;
    case 'shutdown':
      exporter.shutdown().then(
        () => reply({ id: request.id }),
        (error: unknown) => failed(request.id, error),
      );
      return;
  }
});
