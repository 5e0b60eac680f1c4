// `npm run dev` (start.ts --watch): a change under a watched path restarts the api, and only the api.
// PostgreSQL and the Cognito emulator keep running, and the restarted api serves again.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { API_ENTRY, apiNodeArgs, DEFAULT_WATCH_PATHS } from '../src/api-process.ts';
import { freePort } from '../src/free-port.ts';
import type { LocalStackInfo } from '../src/local-file.ts';

const START = fileURLToPath(new URL('../src/start.ts', import.meta.url));
const API_DIR = fileURLToPath(new URL('../../../packages/api/', import.meta.url));

t.test('npm start runs the api as it is; npm run dev adds Node watch mode on the api', async (t) => {
  t.same(apiNodeArgs(), [API_ENTRY], 'npm start: no watch flags');
  t.same(
    apiNodeArgs({ watch: false, watchPaths: '/elsewhere' }),
    [API_ENTRY],
    'TASKBOARD_WATCH_PATHS alone changes nothing',
  );
  t.equal(API_ENTRY, join(API_DIR, 'src', 'server.ts'));
  t.same(DEFAULT_WATCH_PATHS, [join(API_DIR, 'src'), join(API_DIR, 'prisma', 'migrations')]);
  t.same(apiNodeArgs({ watch: true }), [
    `--watch-path=${join(API_DIR, 'src')}`,
    `--watch-path=${join(API_DIR, 'prisma', 'migrations')}`,
    '--watch-preserve-output',
    API_ENTRY,
  ]);
  t.same(
    apiNodeArgs({ watch: true, watchPaths: ['/a', '', '/b'].join(delimiter) }),
    ['--watch-path=/a', '--watch-path=/b', '--watch-preserve-output', API_ENTRY],
    'TASKBOARD_WATCH_PATHS replaces the defaults; empty entries are ignored',
  );
  t.same(
    apiNodeArgs({ watch: true, watchPaths: ' ' }),
    apiNodeArgs({ watch: true }),
    'a blank list means the defaults',
  );
});

interface LogLine {
  readonly msg?: string;
  readonly pid?: number;
}

/** The pids of the api processes that logged "Server listening", in order. */
function listeningPids(output: string): number[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.msg?.startsWith('Server listening') === true)
    .map((line) => line.pid ?? 0);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const ok = (url: string): Promise<boolean> =>
  fetch(url).then(
    (response) => response.ok,
    () => false,
  );

t.test('npm run dev restarts the api on a change and keeps PostgreSQL and the emulator up', async (t) => {
  // Run as root, PostgreSQL runs as the OS user postgres, which must be able to enter the data folder's parent.
  const localDir = await mkdtemp(join(tmpdir(), 'taskboard-dev-test-'));
  await chmod(localDir, 0o777);
  t.teardown(() => rm(localDir, { recursive: true, force: true }));
  // A folder of its own stands in for packages/api/src, so the test never writes into the source tree.
  const watched = await mkdtemp(join(tmpdir(), 'taskboard-dev-watch-'));
  t.teardown(() => rm(watched, { recursive: true, force: true }));
  const apiPort = await freePort();
  const cognitoPort = await freePort();
  const { AUTH_ISSUERS: _issuers, AUTH_CLIENT_IDS: _clientIds, DATABASE_URL: _databaseUrl, ...env } = process.env;
  const child = spawn(process.execPath, [START, '--watch'], {
    env: {
      ...env,
      PORT: String(apiPort),
      COGNITO_PORT: String(cognitoPort),
      TASKBOARD_LOCAL_DIR: localDir,
      TASKBOARD_WATCH_PATHS: watched,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });

  await until('the stack to start', () => output.includes('[local-stack] Ctrl-C stops everything.'), 90_000);
  t.match(output, '[local-stack] Watching the api: it restarts on every change');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  t.ok(await ok(`${apiUrl}/health/ready`), 'the api serves');
  const [firstApi] = listeningPids(output);
  const postgresPid = Number((await readFile(join(localDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const info = JSON.parse(await readFile(join(localDir, 'local.json'), 'utf8')) as LocalStackInfo;
  const jwks = `${info.cognito.endpoint}/${info.cognito.userPoolId}/.well-known/jwks.json`;
  t.ok(firstApi !== undefined && alive(firstApi), 'the first api process runs');
  t.ok(alive(postgresPid), 'PostgreSQL runs');

  await writeFile(join(watched, 'changed.ts'), 'export {};\n');
  await until('the api to restart', () => listeningPids(output).length >= 2, 60_000);
  const [, secondApi] = listeningPids(output);
  t.not(secondApi, firstApi, 'a new api process listens');
  t.notOk(alive(firstApi ?? 0), 'the old api process is gone');
  t.match(output, /Restarting '.*server\.ts'/, "Node's watch mode restarted it");
  t.ok(await ok(`${apiUrl}/health/ready`), 'the restarted api serves, and reaches PostgreSQL');
  const postgresPidAfter = Number(
    (await readFile(join(localDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  t.equal(postgresPidAfter, postgresPid, 'the same PostgreSQL server');
  t.ok(alive(postgresPid), 'PostgreSQL still runs');
  t.ok(await ok(jwks), 'the same Cognito emulator still answers, with the same user pool');
  t.notMatch(output, /starting embedded PostgreSQL[\s\S]*starting embedded PostgreSQL/, 'PostgreSQL started once');

  // Only the stack's own process gets the signal (a terminal's Ctrl-C would reach the whole group):
  // it must stop the api, the emulator and PostgreSQL itself, and none of them may outlive it.
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM stops everything cleanly');
  t.notOk(alive(secondApi ?? 0), 'the api is stopped');
  t.notOk(alive(postgresPid), 'PostgreSQL is stopped');
  t.notOk(await ok(jwks), 'the emulator is stopped');
});
