/**
 * Checks that the baseline still sends the api's SQL: runs each benchmarked request once
 * against both servers with `log_statement = 'all'` on the bench database and compares the
 * statements, in order. Run it after changing the api's data access:
 *
 *   npm run check-sql -w @taskboard/bench        # exit 1 and a diff when they differ
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '@taskboard/local-stack';
import { buildBaseline } from './build-baseline.ts';
import { seed } from './seed.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { startStack } from './stack.ts';

const API_DIR = fileURLToPath(new URL('../../../packages/api/', import.meta.url));

/** The statement of a `log_statement` line, or undefined for other log lines. */
function statementOf(line: string): string | undefined {
  const match = /LOG:\s+(?:execute [^:]*|statement): (.*)$/.exec(line);
  return match?.[1]?.trim();
}

let capturing: string[] | undefined;
const onPostgresLog = (chunk: string): void => {
  for (const line of chunk.split('\n')) {
    const statement = statementOf(line);
    if (statement !== undefined && capturing !== undefined) capturing.push(statement);
  }
};

async function capture(request: () => Promise<Response>): Promise<{ status: number; statements: string[] }> {
  capturing = [];
  const response = await request();
  await response.arrayBuffer();
  // The server logs asynchronously; give it a moment to flush.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const statements = capturing;
  capturing = undefined;
  return { status: response.status, statements };
}

const stack = await startStack({ onPostgresLog });
const servers: ServerProcess[] = [];
let differences = 0;
try {
  const data = await seed({ databaseUrl: stack.databaseUrl, userId: stack.userId, email: stack.email, tasks: 50 });
  const logDir = tmpdir();
  // Before the servers start: the setting applies to connections opened afterwards.
  await stack.admin("ALTER DATABASE taskboard_bench SET log_statement = 'all'");
  const [apiPort, basePort] = [await freePort(), await freePort()];
  const env = process.env as Record<string, string>;
  servers.push(
    await startServerProcess({
      name: 'api',
      command: process.execPath,
      args: ['dist/server.js'],
      cwd: API_DIR,
      env: {
        ...env,
        DATABASE_URL: stack.databaseUrl,
        AUTH_ISSUERS: stack.issuer,
        AUTH_CLIENT_IDS: stack.clientId,
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        LOG_LEVEL: 'warn',
        DRAIN_WINDOW_MS: '0',
      },
      readyUrl: `http://127.0.0.1:${apiPort}/health/ready`,
      logPath: join(logDir, 'taskboard-check-sql-api.log'),
    }),
    await startServerProcess({
      name: 'baseline',
      command: process.execPath,
      args: [await buildBaseline()],
      env: {
        ...env,
        DATABASE_URL: stack.databaseUrl,
        BENCH_USER_ID: stack.userId,
        HOST: '127.0.0.1',
        PORT: String(basePort),
      },
      readyUrl: `http://127.0.0.1:${basePort}/health/ready`,
      logPath: join(logDir, 'taskboard-check-sql-baseline.log'),
    }),
  );
  const json = { 'content-type': 'application/json' };
  const auth = { authorization: `Bearer ${stack.accessToken}` };
  const body = JSON.stringify({ title: 'SQL check', priority: 'high' });
  const [apiTask, baseTask] = [data.writeTaskIds[0] ?? '', data.writeTaskIds[1] ?? ''];
  for (const [name, send] of [
    [
      'list-tasks',
      (base: string, headers: Record<string, string>) =>
        fetch(`${base}/v1/projects/${data.projectId}/tasks?limit=20`, { headers }),
    ],
    [
      'get-task',
      (base: string, headers: Record<string, string>) => fetch(`${base}/v1/tasks/${data.readTaskId}`, { headers }),
    ],
    [
      'create-task',
      (base: string, headers: Record<string, string>) =>
        fetch(`${base}/v1/projects/${data.projectId}/tasks`, {
          method: 'POST',
          headers: { ...headers, ...json },
          body,
        }),
    ],
  ] as const) {
    // Once uncaptured first: the api remembers the user after its first request (one INSERT).
    await (await send(`http://127.0.0.1:${apiPort}`, auth)).arrayBuffer();
    const api = await capture(() => send(`http://127.0.0.1:${apiPort}`, auth));
    const baseline = await capture(() => send(`http://127.0.0.1:${basePort}`, {}));
    differences += report(name, api, baseline);
  }
  const replace = (port: number, taskId: string, version: number, headers: Record<string, string>) => () =>
    fetch(`http://127.0.0.1:${port}/v1/tasks/${taskId}`, {
      method: 'PUT',
      headers: { ...headers, ...json, 'if-match': `"${version}"` },
      body: JSON.stringify({ title: 'Replaced', status: 'done' }),
    });
  differences += report(
    'replace-task',
    await capture(replace(apiPort, apiTask, 1, auth)),
    await capture(replace(basePort, baseTask, 1, {})),
  );
} finally {
  for (const server of servers) await server.stop();
  await stack.stop();
}
process.exitCode = differences === 0 ? 0 : 1;

function report(
  name: string,
  api: { status: number; statements: string[] },
  baseline: { status: number; statements: string[] },
): number {
  // Nothing captured proves nothing: that counts as a difference.
  const same =
    api.statements.length > 0 &&
    api.statements.length === baseline.statements.length &&
    api.statements.every((sql, index) => sql === baseline.statements[index]);
  console.log(
    `${same ? 'same' : 'DIFFERENT'}  ${name}: api ${api.status}, ${api.statements.length} statements; baseline ${baseline.status}, ${baseline.statements.length}`,
  );
  if (!same) {
    const length = Math.max(api.statements.length, baseline.statements.length);
    for (let index = 0; index < length; index++) {
      if (api.statements[index] === baseline.statements[index]) continue;
      console.log(`  #${index + 1} api:      ${api.statements[index] ?? '(none)'}`);
      console.log(`  #${index + 1} baseline: ${baseline.statements[index] ?? '(none)'}`);
    }
  }
  return same ? 0 : 1;
}
