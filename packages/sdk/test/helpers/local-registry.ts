/**
 * A throwaway npm registry (verdaccio) for tests that publish and install the SDK for real: no
 * uplinks (nothing is proxied to the public registry, so an install can only get what the test
 * published), storage and htpasswd in a temp folder, its own process on a free loopback port.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LocalRegistry {
  /** e.g. http://127.0.0.1:41234/ (with the trailing slash npm writes in lockfiles and .npmrc) */
  readonly url: string;
  /** A publish token for a user created on the registry. */
  readonly token: string;
  /** The `.npmrc` line that authenticates npm against this registry. */
  readonly authLine: string;
  /** The temp folder with its config, storage and htpasswd. */
  readonly dir: string;
  /** Kills the registry and removes its storage; safe to call again. */
  readonly close: () => Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

function config(dir: string): string {
  // JSON is YAML: no YAML writer needed, and paths need no quoting rules of their own.
  return JSON.stringify({
    storage: join(dir, 'storage'),
    // A throwaway user: the fewest bcrypt rounds (4) keep its sign-up and every publish fast.
    auth: { htpasswd: { file: join(dir, 'htpasswd'), rounds: 4 } },
    uplinks: {},
    packages: { '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' } },
    web: { enable: false },
    // verdaccio logs every request at `http` level; warnings and errors still reach the test's stderr.
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
  });
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'taskboard-registry-'));
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, config(dir));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'verdaccio-process.ts'), configPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('verdaccio did not start in time')), STARTUP_TIMEOUT_MS);
      child.once('exit', (code, signal) => reject(new Error(`verdaccio exited early (${code ?? signal})`)));
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const match = /^\{"port":(\d+)\}$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        } else if (line.trim()) {
          process.stderr.write(`verdaccio: ${line}\n`);
        }
      });
    });
    const url = `http://127.0.0.1:${port}/`;
    const token = await addUser(url, 'sdk-publisher', 'publisher-password-1');
    return { url, token, authLine: `//127.0.0.1:${port}/:_authToken=${token}`, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** npm's `adduser` request (CouchDB-style): creates the user and answers with a bearer token. */
async function addUser(registry: string, name: string, password: string): Promise<string> {
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, registry), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || !body.token) {
    throw new Error(`creating a registry user failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}
