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
