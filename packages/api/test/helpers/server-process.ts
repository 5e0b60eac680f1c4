import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@taskboard/local-stack';
import { createTestDatabase, testStack } from './stack.ts';

export type TapTest = Parameters<typeof createTestDatabase>[0];

/** The api's process entry, run by Node's type stripping as in `npm start`. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

/** The real api process (`node src/server.ts`), spawned but not yet known to be ready. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  /** Everything it wrote to stdout and stderr so far. */
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; at: number }>;
}

/**
 * Spawns the api on a free port against a fresh test database and the shared Cognito emulator,
 * with `env` over the defaults; killed at the end of `t` if still running. Callers wait for the
 * readiness they need (one process ready, or every worker listening).
 */
export async function spawnServer(
  t: TapTest,
  env: Record<string, string>,
  defaults: { readonly poolMax: number },
): Promise<ServerProcess> {
  const { cognito } = testStack();
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: await createTestDatabase(t),
      AUTH_ISSUERS: cognito.issuer,
      AUTH_CLIENT_IDS: cognito.clientId,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: String(defaults.poolMax),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: Date.now() })),
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => output, exited };
}
