/**
 * The bundled artifact (scripts/bundle.ts, what an AMI installs) starts with DOCS_ENABLED=true and
 * serves the documentation: Swagger UI reads its logo at start-up and serves its assets from files,
 * which the bundle must ship beside server.js (before they did, start-up failed with ENOENT on
 * static/logo.svg). Built into a temporary folder, so a benchmark's dist/artifact is left alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { freePort } from '@taskboard/local-stack';
import { bundleArtifact } from '../../scripts/bundle.ts';
import { createTestDatabase, testStack } from '../helpers/stack.ts';

t.test('server.js of the artifact starts with the docs on and serves them', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'taskboard-artifact-'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  await bundleArtifact(outDir);

  const { cognito } = testStack();
  const port = await freePort();
  const child = spawn(process.execPath, [join(outDir, 'server.js')], {
    cwd: outDir, // the unit's WorkingDirectory
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DOCS_ENABLED: 'true',
      DATABASE_URL: await createTestDatabase(t),
      AUTH_ISSUERS: cognito.issuer,
      AUTH_CLIENT_IDS: cognito.clientId,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_WORKERS: '1',
      DATABASE_POOL_MAX: '2',
      METRICS_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const base = `http://127.0.0.1:${port}`;
  let status = 0;
  for (let i = 0; status !== 200; i++) {
    if (i > 150 || child.exitCode !== null) throw new Error(`the artifact did not start:\n${output}`);
    status = await fetch(`${base}/health/live`).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 200) await sleep(100);
  }
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  };
  t.match(await get('/docs/json'), { status: 200, body: /"openapi":"3\.1\.0"/ });
  t.match(await get('/docs'), { status: 200, type: /^text\/html/ });
  t.match(await get('/docs/static/swagger-ui-bundle.js'), { status: 200, type: /javascript/ }, 'the UI assets');
  t.match(await get('/docs/static/logo.svg'), { status: 200, type: /^image\/svg\+xml/ }, 'the logo');
  t.notMatch(output, /"root" path .* must exist/, 'the UI assets folder exists');
});
