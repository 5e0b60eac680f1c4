import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Recorded, res: ServerResponse, index: number) => void;

export interface TestServer {
  url: string;
  requests: Recorded[];
  close: () => Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1: the SDK's fetch, timers and sockets run exactly as in production.
 * `handlers[i]` answers the i-th request (the last one repeats).
 */
export async function startServer(...handlers: Handler[]): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      const index = requests.push(rec) - 1;
      const handler = handlers[Math.min(index, handlers.length - 1)];
      handler?.(rec, res, index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    res.writeHead(status, { 'content-type': type, 'x-request-id': `req-${status}`, ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
}

export function problem(status: number, headers: Record<string, string> = {}): Handler {
  return json(
    status,
    { type: `/problems/${status}`, title: `Title ${status}`, status, detail: `Detail ${status}` },
    headers,
  );
}

/** Never answers: for timeouts and aborts. */
export const hang: Handler = () => {};

/** Drops the connection without a response: a connection error. */
export const drop: Handler = (_req, res) => {
  res.socket?.destroy();
};

export const task = {
  id: '0190c3c4-0000-7000-8000-000000000001',
  projectId: '0190c3c4-0000-7000-8000-000000000002',
  title: 'Write the SDK',
  description: null,
  status: 'todo',
  priority: 'medium',
  assigneeId: null,
  dueDate: null,
  version: 1,
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
} as const;

/** For `.then(unexpected, (e) => e as X)`: a call that should have failed but did not. */
export const unexpected = (): never => {
  throw new Error('expected the call to fail');
};
