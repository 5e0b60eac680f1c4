/**
 * The SDK in a real browser: headless Chromium loads a page (test/fixtures/browser-page.html) that
 * imports the SDK bundled for browsers, signs in against the local Cognito with plain fetch, then
 * creates a project and tasks and lists them through the real API on another origin (so CORS is
 * exercised for real, including a refused origin).
 *
 * Needs Debian's chromium at /usr/bin/chromium (`.ci/install-chromium.sh` installs it; see
 * helpers/chromium.ts): without it the test is skipped, except under CI, where it fails.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import t from 'tap';
import { Taskboard } from '../src/index.ts';
import { chromiumSkip, launchChromium } from './helpers/chromium.ts';
import { accessToken, startLiveApi, testStack } from './helpers/live-api.ts';

const root = resolve(import.meta.dirname, '..');

interface ScenarioConfig {
  readonly cognito: { endpoint: string; clientId: string; username: string; password: string };
  readonly apiUrl: string;
  readonly blockedApiUrl: string;
}

interface ErrorSummary {
  name: string;
  message: string;
  status: number | undefined;
  requestId: string | undefined;
  isTaskboardError: boolean;
  isNotFound: boolean;
  isConnectionError: boolean;
}

interface ScenarioResult {
  origin: string;
  secureContext: boolean;
  meId: string;
  project: { id: string; name: string; status: number; etag: string; requestId: string };
  titles: string[];
  todo: string[];
  tokenCalls: number;
  notFound: ErrorSummary | null;
  blocked: ErrorSummary | null;
}

type ScenarioWindow = Window & { runScenario: (config: ScenarioConfig) => Promise<ScenarioResult> };

/** The SDK as a browser app would ship it: the package entry bundled by esbuild as an ES module. */
async function bundleSdk(dir: string): Promise<void> {
  await build({
    entryPoints: [join(root, 'src/index.ts')],
    outfile: join(dir, 'sdk.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  await copyFile(join(root, 'test/fixtures/browser-page.html'), join(dir, 'index.html'));
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript' };

/** A static file server for the page and the bundle, on its own loopback port (= its own origin). */
async function serveStatic(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1) || 'index.html';
    if (!/^[\w.-]+$/.test(name) || !TYPES[extname(name)]) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, name)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(name)] }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const skip = chromiumSkip();

t.test('the bundled SDK works in Chromium against the API on another origin', { skip }, async (t) => {
  const { cognito, users } = testStack();
  const dir = await mkdtemp(join(tmpdir(), 'taskboard-sdk-browser-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await bundleSdk(dir);
  const site = await serveStatic(dir);
  t.teardown(site.close);

  const api = await startLiveApi(t, { config: { corsOrigins: [site.origin] } });
  // The same API and database, but an allow-list without the page's origin.
  const blocked = await startLiveApi(t, {
    databaseUrl: api.databaseUrl,
    config: { corsOrigins: ['http://127.0.0.1:9'] },
  });

  const { context, close } = await launchChromium();
  t.teardown(close);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));

  await page.goto(`${site.origin}/`);
  await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 10_000 });
  const config: ScenarioConfig = {
    cognito: {
      endpoint: cognito.endpoint,
      clientId: cognito.clientId,
      username: users.alice.email,
      password: users.alice.password,
    },
    apiUrl: api.url,
    blockedApiUrl: blocked.url,
  };
  const result = await page
    .evaluate((c) => (window as unknown as ScenarioWindow).runScenario(c), config)
    .catch((error: unknown) => {
      // The page's console tells a broken page (CORS, a script error) from a broken API.
      throw new Error(`${String(error)}\npage console:\n${consoleLines.join('\n')}`);
    });

  t.equal(result.origin, site.origin, 'the page has its own origin');
  t.not(new URL(api.url).origin, result.origin, 'the API is cross-origin to the page');
  t.equal(result.meId, users.alice.sub, 'the token the page signed in for is accepted');
  t.match(result.project, { name: 'From the browser', status: 201, etag: '"1"', requestId: /^[0-9a-f-]{36}$/ });
  t.same(result.titles, ['first', 'second', 'third'], 'for await across two pages of two');
  t.same(result.todo, ['first', 'third'], 'filtered list');
  t.ok(result.tokenCalls >= 7, 'the async token function ran before each call');
  t.match(result.notFound, { name: 'NotFoundError', status: 404, isNotFound: true, requestId: /\S/ });
  t.match(
    result.blocked,
    { name: 'APIConnectionError', isConnectionError: true, status: undefined },
    'a refused origin cannot read the response',
  );
  t.equal(
    result.blocked?.message,
    `Connection error: the request to ${new URL(blocked.url).origin} failed before a response. In a browser ` +
      `this is usually CORS: is ${site.origin} allowed by the API (CORS_ORIGINS)? Otherwise the API is down or unreachable.`,
    'the message says it is probably CORS and names both origins',
  );

  // What the page created is really in the API, seen from Node with alice's token.
  const node = new Taskboard({ baseUrl: api.url, token: () => accessToken('alice') });
  t.equal((await node.projects.get(result.project.id)).name, 'From the browser');
});
