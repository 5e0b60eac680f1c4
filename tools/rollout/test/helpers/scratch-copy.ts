// A scratch copy of this repository under the OS temp folder, for tests that need the real nx project
// graph and real git history: tracked files plus new ones not ignored (work in progress is in the
// graph too), node_modules linked, one commit "base". Git writes happen only in the copy.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const NX = join(REPO, 'node_modules', '.bin', 'nx');
export const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_NX_CACHE: 'true',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
}

export function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-affected-'));
  const files = git(REPO, 'ls-files', '--cached', '--others', '--exclude-standard', '-z')
    .split('\0')
    .filter((file) => file !== '' && !file.includes('/.tap/'));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(REPO, file), join(dir, file));
    } catch {
      // listed but deleted in the work tree
    }
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', 'add', '-A');
  git(dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'base');
  return dir;
}
