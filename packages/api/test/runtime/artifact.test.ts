/**
 * The artifact an instance runs (scripts/bundle.ts; the unit's ExecStart is its server.js): built
 * into a temporary folder (a benchmark's dist/artifact is left alone), it is ASCII-only with Prisma's
 * query compiler beside it, not inside it, and `node server.js` from that folder, with the unit's
 * NODE_OPTIONS, serves requests that go through Prisma (the compiler is loaded from disk). Started
 * with DOCS_ENABLED=true, it also serves the documentation: Swagger UI reads its logo at start-up and
 * serves its assets from files the bundle must ship beside server.js (before it did, start-up failed
 * with ENOENT on static/logo.svg). With OTEL_TRACES_EXPORTER=otlp its spans reach a collector from the
 * export thread's own file (otlp-export-worker.js), which reads the OTLP variables as the library does.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freePort } from '@taskboard/local-stack';
import { bundleArtifact, QUERY_COMPILER_WASM } from '../../scripts/bundle.ts';
import { otlpCollector } from '../helpers/otlp-collector.ts';
import { authHeader, createTestDatabase, testStack } from '../helpers/stack.ts';

const UNIT = fileURLToPath(new URL('../../deploy/taskboard-api.service', import.meta.url));
/** The first bytes of any WebAssembly module ("\0asm"), and the same four bytes in base64. */
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
const WASM_MAGIC_BASE64 = 'AGFzbQ';

function unitEnvironment(unit: string, name: string): string {
  const match = new RegExp(`^Environment=${name}=(.*)$`, 'm').exec(unit);
  return match?.[1]?.trim() ?? '';
}

t.test(
  'the artifact is ASCII-only, loads the query compiler from disk, serves through Prisma and its docs',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'taskboard-artifact-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await bundleArtifact(dir);

    const scripts = (await readdir(dir)).filter((name) => name.endsWith('.js'));
    t.ok(scripts.includes('server.js') && scripts.includes('migrate.js'));
    t.ok(scripts.length > 2, 'dynamic imports are chunks of their own');
    for (const name of scripts) {
      const bytes = await readFile(join(dir, name));
      // One non-ASCII byte makes V8 keep the whole source as two-byte UTF-16 for the process's life.
      t.equal(
        bytes.findIndex((byte) => byte > 0x7f),
        -1,
        `${name} is ASCII-only`,
      );
      t.notOk(bytes.includes(WASM_MAGIC_BASE64), `${name} embeds no base64 WebAssembly`);
    }
    const wasm = await readFile(join(dir, QUERY_COMPILER_WASM));
    t.ok(wasm.subarray(0, 4).equals(WASM_MAGIC), 'the query compiler is a wasm file beside server.js');

    const collector = await otlpCollector(t);
    const { cognito } = testStack();
    const port = await freePort();
    const nodeOptions = unitEnvironment(await readFile(UNIT, 'utf8'), 'NODE_OPTIONS');
    const child = spawn(process.execPath, ['server.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        NODE_OPTIONS: nodeOptions,
        DATABASE_URL: await createTestDatabase(t),
        AUTH_ISSUERS: cognito.issuer,
        AUTH_CLIENT_IDS: cognito.clientId,
        HOST: '127.0.0.1',
        PORT: String(port),
        API_WORKERS: '1',
        DRAIN_WINDOW_MS: '0',
        DATABASE_POOL_MAX: '2',
        DOCS_ENABLED: 'true',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.base,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=from-the-environment',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (i > 300 || child.exitCode !== null) throw new Error(`the artifact did not get ready:\n${output}`);
      const status = await fetch(`${base}/health/ready`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      await sleep(100);
    }

    const headers = { ...(await authHeader('alice')), 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/projects`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'From the artifact' }),
    });
    t.equal(created.status, 201, 'a project created through Prisma');
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${base}/v1/projects/${id}`, { headers });
    t.equal(read.status, 200);
    t.match(await read.json(), { id, name: 'From the artifact' });

    const get = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    t.match(await get('/docs/json'), { status: 200, body: /"openapi":"3\.1\.0"/ });
    t.match(await get('/docs'), { status: 200, type: /^text\/html/ });
    t.match(await get('/docs/static/swagger-ui-bundle.js'), { status: 200, type: /javascript/ }, 'the UI assets');
    t.match(await get('/docs/static/logo.svg'), { status: 200, type: /^image\/svg\+xml/ }, 'the logo');
    t.notMatch(output, /"root" path .* must exist/, 'the UI assets folder exists');
    // Validators and serializers compile after listening, in the background (deferred-compilation.ts).
    const warmed = /"compiled":(\d+),"ms":\d+,"msg":"validators and serializers compiled"/;
    for (let i = 0; !warmed.test(output) && i < 100; i += 1) await sleep(50);
    t.ok(Number(warmed.exec(output)?.[1]) > 20, 'every route schema compiled in the warm-up after listening');

    child.kill('SIGTERM');
    t.equal(await exited, 0, 'drains and exits cleanly');
    // Shutting down exports what the batch processor still held.
    t.match(collector.received, [
      {
        url: '/v1/traces',
        headers: { 'content-type': 'application/x-protobuf', 'x-collector-token': 'from-the-environment' },
      },
    ]);
    t.ok(
      collector.received.some((batch) => batch.body.includes('GET /v1/projects/:projectId')),
      "the request spans, named by route, in the export thread's protobuf",
    );
  },
);
