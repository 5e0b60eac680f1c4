// Proves "CI builds and tests only what a change touches" on a scratch copy of the repository:
// the real nx project graph (package.json deps and implicitDependencies), real git history.
// Git writes happen only in the scratch copy under the OS temp folder.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { env, git, NX, scratchCopy } from './helpers/scratch-copy.ts';

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
