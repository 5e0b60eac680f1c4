import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { assertPortFree, freePort } from './free-port.ts';

export interface CognitoLocalOptions {
  /** Folder for the emulator's state (`.cognito/`). */
  readonly dataDir: string;
  /**
   * A port that must be free: start-up fails with {@link PortInUseError} when something already listens
   * there, so we never mistake another process (an emulator we did not start, a debugger) for ours.
   * @default a free port
   */
  readonly port?: number;
  /** Names the setting that chose `port`, for the error message. @default none */
  readonly portVariable?: string;
}

export interface RunningCognito {
  /** Endpoint for the AWS SDK's Cognito client, e.g. http://127.0.0.1:9229 */
  readonly endpoint: string;
  readonly port: number;
  /** The issuer of tokens for a pool: `<endpoint>/<poolId>`. */
  issuerFor(poolId: string): string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

async function waitForHttp(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const started = Date.now();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() - started < deadlineMs) {
    if (exited) throw new Error(`cognito-local exited before it listened on ${url}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`cognito-local did not listen on ${url} within ${deadlineMs} ms`);
}

/**
 * Runs the `cognito-local` emulator as a child process. Its tokens are signed with
 * a key that ships inside the package, so its issuer is only ever trusted locally.
 */
export async function startCognitoLocal(options: CognitoLocalOptions): Promise<RunningCognito> {
  if (options.port !== undefined)
    await assertPortFree(options.port, HOST, 'the local Cognito emulator', options.portVariable);
  const port = options.port ?? (await freePort(HOST));
  await mkdir(options.dataDir, { recursive: true });
  const require = createRequire(import.meta.url);
  const bin = join(require.resolve('cognito-local/package.json'), '..', 'lib', 'bin', 'start.js');
  const log = createWriteStream(join(options.dataDir, 'cognito-local.log'), { flags: 'a' });
  const child = spawn(process.execPath, [bin], {
    cwd: options.dataDir,
    env: { ...process.env, PORT: String(port), HOST, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const endpoint = `http://${HOST}:${port}`;
  try {
    await waitForHttp(endpoint, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    port,
    issuerFor: (poolId) => `${endpoint}/${poolId}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      log.end();
    },
  };
}

/** The emulator's port for `npm start`: stable, so tokens and `.taskboard/local.json` outlive a restart. */
export const DEFAULT_COGNITO_PORT = 9229;

/** Reads COGNITO_PORT (default 9229), with an error naming the variable when it is not a port. */
export function cognitoPortFrom(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.COGNITO_PORT?.trim();
  if (!raw) return DEFAULT_COGNITO_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new Error(`COGNITO_PORT must be a TCP port from 1 to 65535, got "${raw}"`);
  }
  return port;
}
