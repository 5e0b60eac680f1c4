// Proves "CI builds and tests only what a change touches" on a scratch copy of the repository:
// the real nx project graph (package.json deps and implicitDependencies), real git history.
// Git writes happen only in the scratch copy under the OS temp folder.
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NX = join(REPO, 'node_modules', '.bin', 'nx');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
}

/** Tracked files plus new ones not ignored (work in progress of the templates is in the graph too). */
function scratchCopy(): string {
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

function affectedAfter(dir: string, change: () => void): string[] {
  change();
  git(dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', 'change');
  const out = execFileSync(NX, ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  return (JSON.parse(out) as string[]).sort();
}

t.test('nx affected: an SDK change affects only the SDK; an api schema change reaches SDK and templates', async (t) => {
  const dir = scratchCopy();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const sdkOnly = affectedAfter(dir, () => appendFileSync(join(dir, 'packages/sdk/src/index.ts'), '\n// touched\n'));
  t.ok(sdkOnly.includes('@taskboard/sdk'));
  for (const upstream of [
    '@taskboard/api',
    '@taskboard/template-environment',
    '@taskboard/template-service',
    '@taskboard/template-image',
  ]) {
    t.notOk(sdkOnly.includes(upstream), `${upstream} is not affected by an SDK change`);
  }
  t.notOk(sdkOnly.includes('@taskboard/rollout'));
  // Others listed (e.g. tools/bench) import the SDK: nx finds them downstream of it, not upstream.

  const schemaDir = join(dir, 'packages/api/src/schemas');
  const schemaFile = join(
    schemaDir,
    readdirSync(schemaDir)
      .filter((name) => name.endsWith('.ts'))
      .sort()[0]!,
  );
  const apiChange = affectedAfter(dir, () => appendFileSync(schemaFile, '\n// touched\n'));
  for (const project of [
    '@taskboard/api',
    '@taskboard/sdk',
    '@taskboard/template-environment',
    '@taskboard/template-service',
    '@taskboard/template-image',
  ]) {
    t.ok(apiChange.includes(project), `${project} is affected by an api schema change`);
  }
  t.notOk(apiChange.includes('@taskboard/rollout'), 'the rollout tool does not depend on the api');
});

t.test('deploy.yml rolls out when the service is affected, not for its own ami_id commits', async (t) => {
  const dir = scratchCopy();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, '.github', 'scripts', 'rollout-needed.sh');
  const commit = (message: string, file: string, text: string): void => {
    appendFileSync(join(dir, file), text);
    git(dir, '-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-q', '-am', message);
  };
  const rolloutNeeded = (base: string): string =>
    execFileSync('bash', [script, base, 'HEAD'], { cwd: dir, env, encoding: 'utf8' }).trim();

  const deployed = git(dir, 'rev-parse', 'HEAD').trim();
  commit('deploy(dev): ami-0aaaabbbbccccdddd [skip ci]', 'templates/service/specs/dev.yaml', '# rolled out\n');
  commit('Explain the rollout better', 'docs/rollout.md', '\nMore words.\n');
  t.equal(rolloutNeeded(deployed), 'false', 'the deploy commit and a docs change bake nothing');

  commit('Add a field to tasks', 'packages/api/src/app.ts', '\n// touched\n');
  t.equal(rolloutNeeded(deployed), 'true', 'an api change rolls out');

  const apiRolledOut = git(dir, 'rev-parse', 'HEAD').trim();
  commit('Give prod bigger instances', 'templates/service/specs/prod.yaml', '# edited by a person\n');
  t.equal(rolloutNeeded(apiRolledOut), 'true', 'a spec edited by a person is deployed');
});
