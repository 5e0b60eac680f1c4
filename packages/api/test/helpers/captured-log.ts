import { Writable } from 'node:stream';

/** An app's log, captured through its logger stream: `buildTestApp(t, {}, { logger: { level, stream } })`. */
export interface CapturedLog {
  readonly stream: Writable;
  /** Every line written so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** The reasons the "authentication failed" lines give for the request a response answered. */
  rejectionReasons(response: { readonly headers: Record<string, unknown> }): unknown[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    stream,
    lines,
    rejectionReasons: (response) =>
      lines
        .filter((line) => line.msg === 'authentication failed' && line.requestId === response.headers['x-request-id'])
        .map((line) => line.reason),
  };
}

/**
 * What `run` writes to this process's stdout (where METRICS_EXPORTER=stdout sends its documents),
 * parsed one JSON value per line; stdout is restored however `run` ends.
 */
export async function stdoutDuring(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return written
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
