/**
 * Serves a built site (e.g. Vite's dist/) from its own loopback port, which makes it its own
 * origin: everything it calls on another port is cross-origin, as in production. Only files under
 * the folder are served; `/` is index.html.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export interface StaticSite {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** Every path requested, in order (to prove what the page loaded). */
  readonly requested: readonly string[];
  readonly close: () => Promise<void>;
}

export async function serveStatic(dir: string): Promise<StaticSite> {
  const root = normalize(dir) + sep;
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(pathname);
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    const type = TYPES[extname(file)];
    if (!file.startsWith(root) || !type) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': type }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requested,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
