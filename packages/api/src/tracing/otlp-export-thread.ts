/**
 * The OTLP span exporter in production: the serving thread copies each batch of spans into plain
 * records (span-records.ts) and posts them to a worker thread (otlp-export-worker.ts), where
 * OpenTelemetry's own OTLPTraceExporter serialises them as protobuf and sends them (its retries,
 * timeout, headers, compression and certificates from the OTEL_EXPORTER_OTLP_* variables).
 *
 * Why a thread: sending from the serving thread made the first export's node:http client request
 * deoptimise the response and socket code the server shares with it (OutgoingMessage, Writable,
 * Socket._writev, parserOnHeadersComplete…), which then ran polymorphic for every request after:
 * most of the CPU that watching cost (docs/decisions/0010). A worker thread is its own V8 isolate,
 * so the server's code never sees a client request or the serialiser's objects.
 *
 * The thread starts with the first batch (a process that samples nothing never starts one) and
 * again with the next batch if it died; a batch sent to a thread that dies fails, as a failed POST
 * would.
 */
import { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { toSpanRecords, type SpanRecord } from './span-records.ts';

/** What the serving thread asks of the export thread; each request is answered once, by its id. */
export type ExportThreadRequest =
  | { readonly kind: 'export'; readonly id: number; readonly spans: SpanRecord[] }
  | { readonly kind: 'flush' | 'shutdown'; readonly id: number };

/** The answer: `error` set when the export (or flush) failed. */
export interface ExportThreadReply {
  readonly id: number;
  readonly error?: string;
}

/** What the export thread is started with (its workerData). */
export interface ExportThreadData {
  readonly url: string;
}

/** Where the thread's code is; scripts/bundle.ts points it at the bundled otlp-export-worker.js. */
const WORKER_URL = new URL('./otlp-export-worker.ts', import.meta.url);

type Settle = (error: Error | undefined) => void;

export class ThreadedOtlpSpanExporter implements SpanExporter {
  readonly #data: ExportThreadData;
  readonly #workerUrl: URL;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Settle>();
  #nextId = 0;
  #shutDown = false;

  constructor(otlpTracesUrl: string, workerUrl: URL = WORKER_URL) {
    this.#data = { url: otlpTracesUrl };
    this.#workerUrl = workerUrl;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutDown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the span exporter is shut down') });
      return;
    }
    const records = toSpanRecords(spans);
    this.#request(this.#thread(), (id) => ({ kind: 'export', id, spans: records })).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: toError(error) }),
    );
  }

  /** Waits for the batches the thread is sending; nothing to wait for when no thread runs. */
  async forceFlush(): Promise<void> {
    if (this.#worker === undefined) return;
    await this.#request(this.#worker, (id) => ({ kind: 'flush', id }));
  }

  /** Lets the thread finish what it is sending, then stops it. A thread already gone has nothing left. */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    await this.#request(worker, (id) => ({ kind: 'shutdown', id })).catch(() => undefined);
    await worker.terminate();
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(this.#workerUrl, { workerData: this.#data });
    worker.on('message', (reply: ExportThreadReply) => {
      this.#forget(worker, reply.id)?.(reply.error === undefined ? undefined : new Error(reply.error));
    });
    const gone = (error: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const settles = [...this.#pending.values()];
      this.#pending.clear();
      for (const settle of settles) settle(error);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the span export thread exited with code ${code}`)));
    // Idle, the thread never keeps a process alive that has nothing else to do (#request refs it
    // while a batch is on its way). After the listeners: adding one refs the channel again.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #request(worker: Worker, make: (id: number) => ExportThreadRequest): Promise<void> {
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, (error) => (error === undefined ? resolve() : reject(error)));
      // A batch on its way keeps the process alive until the thread answered: nothing is lost to a
      // process that would otherwise end first.
      worker.ref();
      try {
        worker.postMessage(make(id));
      } catch (error) {
        // An attribute value a structured clone cannot carry (DataCloneError): this batch fails alone.
        this.#forget(worker, id);
        reject(toError(error));
      }
    });
  }

  /** Drops a request that was answered; once none waits, the thread no longer keeps the process alive. */
  #forget(worker: Worker, id: number): Settle | undefined {
    const settle = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) worker.unref();
    return settle;
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
