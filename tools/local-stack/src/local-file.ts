import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Gitignored folder for local state: PostgreSQL data, emulator state, local.json. */
export const LOCAL_DIR =
  process.env.TASKBOARD_LOCAL_DIR ?? fileURLToPath(new URL('../../../.taskboard/', import.meta.url));
export const LOCAL_FILE = join(LOCAL_DIR, 'local.json');

/** What `npm start` writes so scripts, tests and SDK examples can find the local stack. */
export interface LocalStackInfo {
  readonly apiUrl: string;
  readonly docsUrl: string;
  readonly databaseUrl: string;
  readonly cognito: {
    readonly endpoint: string;
    readonly region: string;
    readonly userPoolId: string;
    readonly clientId: string;
    readonly issuer: string;
  };
  readonly demoUser: { readonly email: string; readonly password: string };
}

export async function writeLocalInfo(info: LocalStackInfo): Promise<void> {
  await mkdir(dirname(LOCAL_FILE), { recursive: true });
  await writeFile(LOCAL_FILE, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export async function readLocalInfo(): Promise<LocalStackInfo | undefined> {
  try {
    return JSON.parse(await readFile(LOCAL_FILE, 'utf8')) as LocalStackInfo;
  } catch {
    return undefined;
  }
}
