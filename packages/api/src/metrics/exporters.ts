import { connect, type Socket } from 'node:net';

/**
 * Where a flush's EMF documents go. `send` never throws for a dead destination: it rejects, and the
 * caller drops that flush with one warning, so a down agent never reaches a request.
 */
export interface MetricsExporter {
  send(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** One JSON document per line on stdout: what `METRICS_EXPORTER=stdout` shows locally. */
export function stdoutExporter(write: (text: string) => void = (text) => process.stdout.write(text)): MetricsExporter {
  return {
    // A write per document: a line under the pipe's atomic size is never split by another
    // worker's log line on the same stdout.
    send: async (lines) => {
      for (const line of lines) write(`${line}\n`);
    },
    close: async () => {},
  };
}

/** How long a connect or a write may take before the flush is dropped. */
const SEND_TIMEOUT_MS = 5_000;

/**
 * The CloudWatch agent's EMF listener (agent config `logs.metrics_collected.emf`, tcp:25888 by
 * default): newline-delimited JSON documents over one kept-open TCP connection, reopened on the next
 * flush after any error.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html
 *
 * Not aws-embedded-metrics' AgentSink: that library serializes raw values only (up to 100 per
 * document, so one document per 100 requests, never Values/Counts), puts one dimension-set directive
 * per logger, and takes its endpoint from a process-wide setting; its TCP client would be the only
 * part used, through a serializer that ignores the library's own context.
 */
export class EmfAgentExporter implements MetricsExporter {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;

  constructor(endpoint: URL) {
    this.#host = endpoint.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(endpoint.port);
  }

  async send(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const socket = await this.#connected();
    // Held open while sending, so a last flush at shutdown is not cut off by the process exiting;
    // idle between flushes, the connection never keeps the process alive.
    socket.ref();
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.write(`${lines.join('\n')}\n`, (error) => (error ? reject(error) : resolve()));
        }),
        () => this.#drop(socket),
        'writing to the CloudWatch agent timed out',
      );
    } finally {
      socket.unref();
    }
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined || socket.destroyed) return;
    await withTimeout(
      new Promise<void>((resolve) => socket.end(resolve)),
      () => socket.destroy(),
      'closing the connection to the CloudWatch agent timed out',
    ).catch(() => undefined);
    socket.destroy();
  }

  #connected(): Promise<Socket> {
    const open = this.#socket;
    if (open !== undefined && !open.destroyed && !open.connecting) return Promise.resolve(open);
    if (open !== undefined) this.#drop(open);
    const socket = connect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    // Errors after connecting (agent restarted) end this socket; the next flush opens another.
    socket.on('error', () => this.#drop(socket));
    socket.on('close', () => this.#drop(socket));
    this.#socket = socket;
    return withTimeout(
      new Promise<Socket>((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
      () => this.#drop(socket),
      'connecting to the CloudWatch agent timed out',
    );
  }

  #drop(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, onTimeout: () => void, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(message));
    }, SEND_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
