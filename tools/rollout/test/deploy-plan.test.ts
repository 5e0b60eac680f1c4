// .github/scripts/deploy-plan.sh on a scratch copy of the repository (real nx project graph, real git
// history): what changed is measured per environment from the commit last deployed there (the
// deployed/<env>/<part> tags), not from nrwl/nx-set-shas' "last successful run", which under
// workflow_run finds no run and falls back to main~1, so earlier commits of a multi-commit push, or of
// runs GitHub replaced while another waited, were never rolled out.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { env, git, scratchCopy } from './helpers/scratch-copy.ts';

// Several nx runs over the real project graph: slower than the package's default per-file timeout.
t.setTimeout(600_000);

t.test('deploy-plan.sh: first deploy, nothing new, a replaced run, prod behind dev, an old re-run', async (t) => {
  const dir = scratchCopy();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, '.github', 'scripts', 'deploy-plan.sh');
  const commit = (message: string, file: string): string => {
    appendFileSync(join(dir, file), '\n// touched\n');
    git(dir, '-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-q', '-am', message);
    return git(dir, 'rev-parse', 'HEAD').trim();
  };
  const plan = (head: string): Record<string, string> =>
    Object.fromEntries(
      execFileSync('bash', [script, head, 'main'], { cwd: dir, env, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  const record = (envName: string, sha: string): void => {
    for (const part of ['service', 'environment']) git(dir, 'update-ref', `refs/tags/deployed/${envName}/${part}`, sha);
  };

  const base = git(dir, 'rev-parse', 'HEAD').trim();
  t.match(
    plan(base),
    { rollout: 'true', dev: 'true', prod: 'true', 'dev-environment': 'true', 'dev-service-base': '' },
    'first deploy: no record, everything counts',
  );

  record('dev', base);
  record('prod', base);
  const docs = commit('Explain the rollout better', 'docs/rollout.md');
  t.match(plan(docs), { rollout: 'false', dev: 'false', prod: 'false', 'dev-environment': 'false' }, 'docs only');

  const b = commit('Add a field to tasks', 'packages/api/src/app.ts');
  const c = commit('Reword the README', 'README.md');
  // B's run was pending and GitHub replaced it with C's: C's run starts at the record, so B rolls out.
  const replaced = plan(c);
  t.match(replaced, {
    rollout: 'true',
    dev: 'true',
    prod: 'true',
    'dev-service-base': base,
    'prod-service-base': base,
  });
  t.equal(replaced['dev-environment'], 'true', 'an api change can change the routes: plan the environment stack');

  record('dev', c);
  t.match(
    plan(c),
    { rollout: 'true', dev: 'true', prod: 'true', 'dev-service-base': c, 'prod-service-base': base },
    'prod still behind (approval rejected): bake again, dev first, then prod',
  );

  record('prod', c);
  t.match(plan(b), { rollout: 'false', dev: 'false', prod: 'false' }, 'a re-run of the old run of B deploys nothing');
  git(dir, 'checkout', '-q', '-b', 'side', base);
  const side = commit('Not on main', 'packages/api/src/app.ts');
  const refused = spawnSync('bash', [script, side, 'main'], { cwd: dir, env, encoding: 'utf8' });
  t.equal(refused.status, 3, 'a commit that is not in main history is refused');
});
