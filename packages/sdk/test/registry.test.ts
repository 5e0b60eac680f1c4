/**
 * The SDK as a frontend team gets it: published to a real npm registry (a throwaway verdaccio with
 * no uplinks), installed from there by name into a fresh app outside the workspace, type-checked
 * and built with Vite, served from its own origin and run in Chromium against the real API (the
 * local stack: PostgreSQL, Cognito tokens, CORS). The app (test/fixtures/registry-app) lists,
 * creates, pages through tasks and meets a 412 and a 400 as the SDK's typed errors; the test reads
 * what it reported on the page.
 *
 * Without Chromium (/usr/bin/chromium) only the browser part is skipped, and never under CI.
 */
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import t from 'tap';
import { build } from 'vite';
import { Taskboard } from '../src/index.ts';
import { chromiumSkip, launchChromium } from './helpers/chromium.ts';
import { accessToken, startLiveApi } from './helpers/live-api.ts';
import { startLocalRegistry, type LocalRegistry } from './helpers/local-registry.ts';
import { isolatedEnv, run, type NpmHome } from './helpers/npm.ts';
import { serveStatic } from './helpers/static-site.ts';

const root = resolve(import.meta.dirname, '..');
const workspace = resolve(root, '../..');
const bin = join(workspace, 'node_modules/.bin');
const fixture = join(import.meta.dirname, 'fixtures/registry-app');

interface Refusal {
  name: string;
  status: number | undefined;
  problemType: string | undefined;
  fields: string[];
  requestId: string | undefined;
  isTaskboardError: boolean;
  isAPIError: boolean;
  isNotFound: boolean;
}

/** What the app writes into #result (see fixtures/registry-app/src/main.ts). */
interface AppResult {
  error?: string;
  origin: string;
  apiUrl: string;
  projectsBefore: string[];
  projectsAfter: string[];
  pages: string[][];
  titles: string[];
  replacedEtag: string | undefined;
  stale: Refusal | string;
  invalid: Refusal | string;
}

/**
 * The workspace's release command, as .github/workflows/release.yml runs it (nx.json `release`): it
 * runs `npm publish` in packages/sdk, whose `prepack` builds dist/ and refuses an incomplete one.
 */
async function releaseSdk(registry: LocalRegistry, env: NodeJS.ProcessEnv): Promise<string> {
  // Without the NX_* variables of an `nx run ...:test` this test may run under: a release job
  // starts nx afresh.
  const nxEnv = Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('NX_')));
  Object.assign(nxEnv, { NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' });
  const args = ['release', 'publish', '--projects=@taskboard/sdk', `--registry=${registry.url}`];
  return await run(join(bin, 'nx'), args, workspace, nxEnv);
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Awaits both starts; whatever started is closed at teardown even when another start failed. */
async function started<A, B>(
  t: { teardown: (fn: () => unknown) => void },
  a: Promise<A & { close: () => Promise<void> }>,
  b: Promise<B>,
): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'fulfilled') t.teardown(ra.value.close);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

t.test('published to a registry, installed, built with Vite and run in Chromium', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'taskboard-sdk-release-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const home: NpmHome = { userconfig: join(work, 'npmrc'), cache: join(work, 'npm-cache') };
  const app = join(work, 'app');
  const dist = join(app, 'dist');
  const site = await serveStatic(dist);
  t.teardown(site.close);
  // Chromium starts meanwhile (it is needed last); closed at teardown whether or not it gets used.
  const skipBrowser = chromiumSkip();
  const launching = skipBrowser ? undefined : launchChromium();
  launching?.catch(() => undefined); // its error is reported where it is awaited
  t.teardown(async () => (await launching?.catch(() => undefined))?.close());

  // The registry and the API are independent: they start together.
  const env = isolatedEnv(home);
  const [registry, api] = await started(
    t,
    startLocalRegistry(),
    // The app's origin is the only one this API lets read its responses.
    startLiveApi(t, { config: { corsOrigins: [site.origin] } }),
  );
  await writeFile(home.userconfig, `${registry.authLine}\n`);
  t.match(await releaseSdk(registry, env), `Published to ${registry.url}`, 'nx release publish published the SDK');

  const packument = (await (await fetch(new URL('@taskboard%2fsdk', registry.url))).json()) as {
    'dist-tags': Record<string, string>;
  };
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  t.same(packument['dist-tags'], { latest: version }, 'the registry serves the published version');

  // A fresh app outside the workspace: its own package.json and .npmrc, nothing else.
  await mkdir(app);
  await cp(fixture, app, { recursive: true });
  await writeFile(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'taskboard-registry-app', private: true, type: 'module' }, null, 2)}\n`,
  );
  await writeFile(join(app, '.npmrc'), `@taskboard:registry=${registry.url}\n`);
  await run('npm', ['install', '@taskboard/sdk', '--registry', registry.url], app, env);

  const manifest = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  t.same(manifest.dependencies, { '@taskboard/sdk': `^${version}` }, 'npm saved the dependency');
  const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { resolved?: string; dependencies?: unknown }>;
  };
  t.same(Object.keys(lock.packages).sort(), ['', 'node_modules/@taskboard/sdk'], 'the SDK installs alone');
  t.equal(
    lock.packages['node_modules/@taskboard/sdk']?.resolved,
    `${registry.url}@taskboard/sdk/-/sdk-${version}.tgz`,
    'from the local registry',
  );
  const installed = join(app, 'node_modules/@taskboard/sdk');
  t.notOk((await lstat(installed)).isSymbolicLink(), 'a real copy, not a link');
  t.same(await files(join(installed, 'dist')), await files(join(root, 'dist')), 'the release shipped this build');
  const differing: string[] = [];
  for (const file of await files(join(root, 'dist'))) {
    const [ours, theirs] = await Promise.all([
      readFile(join(root, 'dist', file)),
      readFile(join(installed, 'dist', file)),
    ]);
    if (!ours.equals(theirs)) differing.push(file);
  }
  t.same(differing, [], 'byte for byte');

  // Type-checked and built as a team does (Vite does not type-check): the app's code against the
  // published declarations, and the API URL from the app's .env, as Vite apps are configured.
  await writeFile(join(app, '.env'), `VITE_TASKBOARD_API_URL=${api.url}\n`);
  await Promise.all([
    run(join(bin, 'tsc'), ['-p', join(app, 'tsconfig.json')], app, env),
    build({ root: app, configFile: false, logLevel: 'silent', build: { outDir: dist, emptyOutDir: true } }),
  ]);
  const assets = await readdir(join(dist, 'assets'));
  const bundle = await readFile(join(dist, 'assets', assets.find((f) => f.endsWith('.js')) ?? ''), 'utf8');
  t.match(bundle, 'PreconditionFailedError', 'the SDK is bundled into the app');
  t.notMatch(bundle, '@taskboard/sdk', 'no bare import is left for the browser');

  await t.test('the built app in Chromium', { skip: skipBrowser }, async (t) => {
    if (!launching) throw new Error('unreachable: not skipped, so Chromium was launched');
    const browser = await launching;
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));

    await page.goto(`${site.origin}/#token=${encodeURIComponent(await accessToken('alice'))}`);
    await page.waitForSelector('body:not([data-state="running"])', { timeout: 20_000 });
    const state = await page.getAttribute('body', 'data-state');
    const result = JSON.parse((await page.textContent('#result')) ?? '{}') as AppResult;
    // On failure the app's error and its console tell a broken page (CORS, a script error) from the API.
    t.equal(state, 'done', 'the app finished its scenario', { error: result.error, console: consoleLines });

    t.equal(result.origin, site.origin, 'the app runs on its own origin');
    t.equal(result.apiUrl, api.url, 'with the API URL from its .env');
    t.not(new URL(api.url).origin, result.origin, 'the API is cross-origin to the app');
    t.same(result.projectsBefore, [], 'list: a new user has no projects');
    t.same(result.projectsAfter, ['Registry app'], 'create, then list');
    t.same(result.pages, [['one', 'two'], ['three', 'four'], ['five']], 'pages of two, following nextCursor');
    t.same(result.titles, ['one', 'two', 'three', 'four', 'five'], 'for await over every page');
    t.equal(result.replacedEtag, '"2"', 'a replace with the current ETag succeeds');
    t.match(
      result.stale,
      {
        name: 'PreconditionFailedError',
        status: 412,
        problemType: '/problems/precondition-failed',
        requestId: /\S/,
        isTaskboardError: true,
        isAPIError: true,
        isNotFound: false,
      },
      'a stale ETag: 412 as PreconditionFailedError',
    );
    t.match(
      result.invalid,
      {
        name: 'BadRequestError',
        status: 400,
        problemType: '/problems/validation-error',
        fields: ['/title'],
        requestId: /\S/,
        isTaskboardError: true,
        isAPIError: true,
        isNotFound: false,
      },
      'an empty title: 400 as BadRequestError with the field',
    );
    t.same(
      [...new Set(site.requested)].map((p) => p.replace(/-[\w-]+\.js$/, '.js')),
      ['/', '/assets/index.js'],
      'the page loaded only the built app',
    );

    // What the app did is in the API, seen from Node with alice's token.
    const node = new Taskboard({ baseUrl: api.url, token: () => accessToken('alice') });
    const [project] = (await node.projects.list().firstPage()).items;
    const tasks = (await node.tasks.list(project?.id ?? '').firstPage()).items;
    t.match(tasks[0], { title: 'one, renamed', version: 2 }, 'the replace landed, the stale one did not');
    t.equal(tasks.length, 5, 'the invalid task was not created');
  });

  await registry.close();
  await t.rejects(fetch(new URL('-/ping', registry.url)), 'closing the registry stops its process');
  await t.rejects(lstat(registry.dir), { code: 'ENOENT' }, 'and removes its storage');
});

t.test('the browser part is skipped only where Chromium is missing, and never under CI', async (t) => {
  t.equal(chromiumSkip({}, true), false, 'Chromium installed: runs');
  t.equal(chromiumSkip({ CI: 'true' }, true), false, 'Chromium installed under CI: runs');
  t.equal(chromiumSkip({ CI: 'true' }, false), false, 'missing under CI: runs, and fails');
  t.match(
    chromiumSkip({}, false),
    /chromium not found: install Debian's chromium/,
    'missing elsewhere: skipped, saying why',
  );
});
