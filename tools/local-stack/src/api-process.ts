import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const API_DIR = fileURLToPath(new URL('../../../packages/api/', import.meta.url));

/** The api's process entry, which `npm start` and `npm run dev` run as a child. */
export const API_ENTRY = join(API_DIR, 'src', 'server.ts');

/** What `npm run dev` watches unless TASKBOARD_WATCH_PATHS says otherwise: the api's code and its migrations. */
export const DEFAULT_WATCH_PATHS: readonly string[] = [join(API_DIR, 'src'), join(API_DIR, 'prisma', 'migrations')];

export interface ApiProcessOptions {
  /** Restart the api whenever a file under the watched paths changes. @default false */
  readonly watch?: boolean;
  /** TASKBOARD_WATCH_PATHS: paths separated by the platform's delimiter (`:`; `;` on Windows). */
  readonly watchPaths?: string;
}

/**
 * The Node arguments of the api child. In watch mode Node itself restarts the api when a file under a
 * watched path changes (https://nodejs.org/api/cli.html#--watch-path: it sends the api SIGTERM, waits
 * for it to exit, starts it again), so this process, and the PostgreSQL and Cognito emulator it
 * started, stay up across restarts. That page still says `--watch-path` is for macOS and Windows only;
 * Node 24 watches recursively on Linux as well, which test/dev-watch.test.ts runs for real.
 * `--watch-preserve-output` keeps the stack's start-up lines (URLs, token command) on screen.
 */
export function apiNodeArgs(options: ApiProcessOptions = {}): string[] {
  if (options.watch !== true) return [API_ENTRY];
  const given = options.watchPaths?.split(delimiter).filter((path) => path.trim() !== '');
  const paths = given !== undefined && given.length > 0 ? given : DEFAULT_WATCH_PATHS;
  return [...paths.map((path) => `--watch-path=${path}`), '--watch-preserve-output', API_ENTRY];
}
