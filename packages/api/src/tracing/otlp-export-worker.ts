/**
 * The span export thread (started by otlp-export-thread.ts): turns the records it receives back into
 * spans (span-records.ts) and hands them to OpenTelemetry's OTLPTraceExporter, so protobuf, the
 * OTEL_EXPORTER_OTLP_(TRACES_)* variables (headers, timeout, compression, certificates), the retries
 * on 429/502/503/504 and the bound on exports in flight are the library's, not ours.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ExportThreadData, ExportThreadReply, ExportThreadRequest } from './otlp-export-thread.ts';
import { fromSpanRecords } from './span-records.ts';

const port = parentPort;
if (port === null) throw new Error('otlp-export-worker.ts runs as a worker thread (otlp-export-thread.ts starts it)');
const { url } = workerData as ExportThreadData;
const exporter = new OTLPTraceExporter({ url });

const reply = (message: ExportThreadReply): void => port.postMessage(message);
const failed = (id: number, error: unknown): void =>
  reply({ id, error: error instanceof Error ? error.message : String(error) });

port.on('message', (request: ExportThreadRequest) => {
  switch (request.kind) {
    case 'export':
      exporter.export(fromSpanRecords(request.spans), (result) => {
        if (result.code === ExportResultCode.SUCCESS) reply({ id: request.id });
        else failed(request.id, result.error ?? 'the export failed');
      });
      return;
    case 'flush':
    case 'shutdown':
      (request.kind === 'flush' ? exporter.forceFlush() : exporter.shutdown()).then(
        () => reply({ id: request.id }),
        (error: unknown) => failed(request.id, error),
      );
      return;
  }
});
