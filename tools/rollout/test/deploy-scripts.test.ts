// The deploy workflow's git and AWS CLI scripts (.github/scripts), run for real on throwaway git
// repositories under the OS temp folder: a bare repository plays GitHub's "origin". The AWS CLI is a
// stand-in on PATH that records its arguments, so what AWS does with those calls is verified only
// against the documentation each script cites.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPTS = join(REPO, '.github', 'scripts');
const IDENTITY = ['-c', 'user.name=test', '-c', 'user.email=test@example.com'];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GITHUB_TOKEN: '', ...env },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8' }).trim();
}

function script(cwd: string, name: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  return run(cwd, 'bash', [join(SCRIPTS, name), ...args], env);
}

/** key=value lines (what the scripts append to $GITHUB_OUTPUT) as an object. */
function outputs(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** A repository with the service spec, one commit per call of `commit`. */
function scratchRepo(t: Test): { dir: string; commit: (message: string, file?: string, text?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-deploy-scripts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'templates/service/specs'), { recursive: true });
  const commit = (message: string, file = `notes/${message}.txt`, text = `${message}\n`): string => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };
  return { dir, commit };
}

t.test('deploy-base.sh: the base is the commit last deployed to the environment, not main~1', async (t) => {
  const { dir, commit } = scratchRepo(t);
  const record = 'refs/tags/deployed/dev/service';
  const a = commit('A');
  t.same(outputs(script(dir, 'deploy-base.sh', [record, a]).stdout), { state: 'first', base: '' }, 'no record yet');

  git(dir, 'update-ref', record, a);
  const b = commit('B');
  const c = commit('C');
  // The run of B waited (for prod's approval, or behind a running deploy) and GitHub replaced it by
  // C's run: C's range starts at the record A, so B's changes are deployed with C's.
  t.same(outputs(script(dir, 'deploy-base.sh', [record, c]).stdout), { state: 'behind', base: a });

  git(dir, 'update-ref', record, c);
  t.same(
    outputs(script(dir, 'deploy-base.sh', [record, b]).stdout),
    { state: 'up-to-date', base: c },
    'a re-run of the older run of B finds C already deployed',
  );
  t.equal(outputs(script(dir, 'deploy-base.sh', [record, c]).stdout).state, 'up-to-date', 'the same commit');

  git(dir, 'checkout', '-q', '-b', 'rewritten', a);
  const d = commit('D');
  t.same(
    outputs(script(dir, 'deploy-base.sh', [record, d]).stdout),
    { state: 'diverged', base: a },
    'main rewritten: count from where both histories meet',
  );

  const notOnMain = script(dir, 'deploy-base.sh', [record, d, 'main']);
  t.equal(notOnMain.status, 3, 'a commit that is not in main history is refused');
  t.match(notOnMain.stderr, /is not on main/);
  t.equal(script(dir, 'deploy-base.sh', [record, b, 'main']).status, 0, 'a commit of main is accepted');
});

t.test('deploy-todo.sh: a deploy job started days later drops the parts a newer run already deployed', async (t) => {
  const { dir, commit } = scratchRepo(t);
  const a = commit('A');
  const b = commit('B');
  t.same(outputs(script(dir, 'deploy-todo.sh', ['prod', b, 'true', 'true', 'main']).stdout), {
    rollout: 'true',
    plan: 'true',
  });
  git(dir, 'update-ref', 'refs/tags/deployed/prod/service', b);
  t.same(
    outputs(script(dir, 'deploy-todo.sh', ['prod', a, 'true', 'true', 'main']).stdout),
    { rollout: 'false', plan: 'true' },
    'the old run of A does not roll prod back to A',
  );
  git(dir, 'update-ref', 'refs/tags/deployed/prod/environment', a);
  t.same(outputs(script(dir, 'deploy-todo.sh', ['prod', a, 'false', 'true']).stdout), {
    rollout: 'false',
    plan: 'false',
  });
  t.same(
    outputs(script(dir, 'deploy-todo.sh', ['prod', b, 'false', 'false']).stdout),
    { rollout: 'false', plan: 'false' },
    'nothing planned stays nothing',
  );
});

/** origin (bare) with main at A (spec with the old ami) then B; a clone detached at A, like the deploy job's checkout. */
function originAndCheckout(t: Test): { origin: string; work: string; a: string; b: string } {
  const { dir: seed, commit } = scratchRepo(t);
  const spec = 'templates/service/specs/dev.yaml';
  const a = commit('A', spec, 'proton: ServiceSpec\nspec:\n  ami_id: ami-0000000000000000a\n  desired: 2\n');
  const b = commit('B', 'packages/api/src/app.ts', '// B\n');
  const origin = mkdtempSync(join(tmpdir(), 'taskboard-origin-'));
  t.teardown(() => rmSync(origin, { recursive: true, force: true }));
  git(origin, 'init', '-q', '--bare', '-b', 'main');
  git(seed, 'push', '-q', origin, 'main');
  const work = mkdtempSync(join(tmpdir(), 'taskboard-checkout-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  git(work, 'clone', '-q', origin, '.');
  git(work, 'checkout', '-q', '--detach', a);
  return { origin, work, a, b };
}

const RECORD_ENV = {
  GIT_AUTHOR_NAME: 'deploy',
  GIT_AUTHOR_EMAIL: 'deploy@example.com',
  GIT_COMMITTER_NAME: 'deploy',
  GIT_COMMITTER_EMAIL: 'deploy@example.com',
  RECORD_RETRY_SECONDS: '0',
};

t.test('record-deploy.sh: the ami_id commit lands on the newest main, the tag names the deployed commit', async (t) => {
  const { origin, work, a, b } = originAndCheckout(t);
  const spec = join(work, 'templates/service/specs/dev.yaml');
  // What the rollout tool does to the checkout after a successful rollout.
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('ami-0000000000000000a', 'ami-0123456789abcdef0'));

  const result = script(work, 'record-deploy.sh', ['dev', 'service', a, 'ami-0123456789abcdef0'], RECORD_ENV);
  t.equal(result.status, 0, result.stderr);
  const main = git(origin, 'rev-parse', 'main');
  t.equal(git(origin, 'rev-parse', `${main}~1`), b, 'rebased onto main, which had moved on past the deployed commit');
  t.equal(git(origin, 'log', '-1', '--format=%s', main), 'deploy(dev): ami-0123456789abcdef0 [skip ci]');
  t.match(git(origin, 'log', '-1', '--format=%b', main), `Deployed-Commit: ${a}`);
  t.match(git(origin, 'show', `${main}:templates/service/specs/dev.yaml`), 'ami_id: ami-0123456789abcdef0');
  t.equal(git(origin, 'rev-parse', 'refs/tags/deployed/dev/service^{commit}'), a, 'the record is the deployed commit');
  t.same(git(origin, 'diff', '--name-only', b, main).split('\n'), ['templates/service/specs/dev.yaml']);

  const environment = script(work, 'record-deploy.sh', ['dev', 'environment', a], RECORD_ENV);
  t.equal(environment.status, 0, environment.stderr);
  t.equal(git(origin, 'rev-parse', 'refs/tags/deployed/dev/environment^{commit}'), a);
  t.equal(git(origin, 'rev-parse', 'main'), main, 'recording the environment stack commits nothing');

  const wrongPart = script(work, 'record-deploy.sh', ['dev', 'database', a], RECORD_ENV);
  t.equal(wrongPart.status, 2);
});

t.test('record-deploy.sh: a push rejected because main moved is retried on the newest main', async (t) => {
  const { origin, work, a, b } = originAndCheckout(t);
  // GitHub rejecting the first push (another commit landed on main in between) stands here as a
  // pre-receive hook that refuses once.
  const hook = join(origin, 'hooks', 'pre-receive');
  writeFileSync(
    hook,
    `#!/bin/sh\nif [ ! -f "${origin}/rejected-once" ]; then touch "${origin}/rejected-once"; exit 1; fi\n`,
  );
  chmodSync(hook, 0o755);
  const spec = join(work, 'templates/service/specs/dev.yaml');
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('ami-0000000000000000a', 'ami-0fedcba9876543210'));
  const result = script(work, 'record-deploy.sh', ['dev', 'service', a, 'ami-0fedcba9876543210'], RECORD_ENV);
  t.equal(result.status, 0, result.stderr);
  t.match(result.stderr, /push rejected \(attempt 1 of 5\)/);
  t.equal(git(origin, 'rev-parse', 'main~1'), b);
  t.equal(git(origin, 'rev-parse', 'refs/tags/deployed/dev/service^{commit}'), a);
});

t.test('record-deploy.sh: a conflicting edit of the spec on main stops it, and nothing is half-recorded', async (t) => {
  const { origin, work, a } = originAndCheckout(t);
  const other = mkdtempSync(join(tmpdir(), 'taskboard-other-'));
  t.teardown(() => rmSync(other, { recursive: true, force: true }));
  git(other, 'clone', '-q', origin, '.');
  const otherSpec = join(other, 'templates/service/specs/dev.yaml');
  writeFileSync(otherSpec, readFileSync(otherSpec, 'utf8').replace('ami-0000000000000000a', 'ami-0aaaaaaaaaaaaaaaa'));
  git(other, 'commit', '-q', '-am', 'A person sets the AMI by hand');
  git(other, 'push', '-q', 'origin', 'main');
  const mainBefore = git(origin, 'rev-parse', 'main');

  const spec = join(work, 'templates/service/specs/dev.yaml');
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('ami-0000000000000000a', 'ami-0bbbbbbbbbbbbbbbb'));
  const result = script(work, 'record-deploy.sh', ['dev', 'service', a, 'ami-0bbbbbbbbbbbbbbbb'], RECORD_ENV);
  t.equal(result.status, 1);
  t.match(result.stderr, /changed on main since/);
  t.equal(git(origin, 'rev-parse', 'main'), mainBefore, 'main untouched');
  t.equal(run(origin, 'git', ['rev-parse', '--verify', '--quiet', 'refs/tags/deployed/dev/service']).status, 1);
});

t.test('record-deploy.sh: a re-run whose spec already records the AMI moves only the tag', async (t) => {
  const { origin, work, a } = originAndCheckout(t);
  const mainBefore = git(origin, 'rev-parse', 'main');
  const result = script(work, 'record-deploy.sh', ['dev', 'service', a, 'ami-0000000000000000a'], RECORD_ENV);
  t.equal(result.status, 0, result.stderr);
  t.equal(git(origin, 'rev-parse', 'main'), mainBefore);
  t.equal(git(origin, 'rev-parse', 'refs/tags/deployed/dev/service^{commit}'), a);
});

/** A stand-in `aws` that logs its arguments and answers from environment variables. */
function fakeAws(t: Test): { bin: string; log: string } {
  const bin = mkdtempSync(join(tmpdir(), 'taskboard-fake-aws-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  const log = join(bin, 'calls.log');
  writeFileSync(
    join(bin, 'aws'),
    `#!/usr/bin/env bash
echo "$*" >> "${log}"
case "$2" in
  describe-change-set) printf '%s\\t%s\\t%s\\n' "$FAKE_CHANGE_SET_ID" "$FAKE_STATUS" "$FAKE_EXECUTION_STATUS" ;;
  describe-stacks) echo "$FAKE_STACK_STATUS" ;;
  wait) exit "\${FAKE_WAIT_EXIT:-0}" ;;
esac
`,
  );
  chmodSync(join(bin, 'aws'), 0o755);
  return { bin, log };
}

t.test('execute-change-set.sh: executes exactly the reviewed change set, or nothing', async (t) => {
  const { bin, log } = fakeAws(t);
  const id = 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/deploy-7-1/0a1b2c3d';
  const base = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_CHANGE_SET_ID: id,
    FAKE_STATUS: 'CREATE_COMPLETE',
    FAKE_EXECUTION_STATUS: 'AVAILABLE',
    FAKE_STACK_STATUS: 'UPDATE_COMPLETE',
  };
  const calls = (): string[] => readFileSync(log, 'utf8').trim().split('\n');
  const reset = (): void => writeFileSync(log, '');

  reset();
  const ok = script(REPO, 'execute-change-set.sh', ['taskboard-dev', 'deploy-7-1', id], base);
  t.equal(ok.status, 0, ok.stderr);
  t.same(calls().slice(1), [
    'cloudformation describe-stacks --stack-name taskboard-dev --query Stacks[0].StackStatus --output text',
    `cloudformation execute-change-set --stack-name taskboard-dev --change-set-name ${id}`,
    'cloudformation wait stack-update-complete --stack-name taskboard-dev',
  ]);
  t.match(calls()[0], /^cloudformation describe-change-set --stack-name taskboard-dev --change-set-name deploy-7-1 /);

  reset();
  const create = script(REPO, 'execute-change-set.sh', ['taskboard-dev', id, id], {
    ...base,
    FAKE_STACK_STATUS: 'REVIEW_IN_PROGRESS',
  });
  t.equal(create.status, 0, create.stderr);
  t.equal(calls().at(-1), 'cloudformation wait stack-create-complete --stack-name taskboard-dev', 'a first creation');

  for (const { what, env, message } of [
    {
      what: 'another change set under that name',
      env: { FAKE_CHANGE_SET_ID: `${id}-other` },
      message: /not the reviewed/,
    },
    {
      what: 'a change set made obsolete by a later stack update',
      env: { FAKE_EXECUTION_STATUS: 'OBSOLETE' },
      message: /not executable/,
    },
    {
      what: 'a change set that failed',
      env: { FAKE_STATUS: 'FAILED', FAKE_EXECUTION_STATUS: 'UNAVAILABLE' },
      message: /not executable/,
    },
  ]) {
    reset();
    const refused = script(REPO, 'execute-change-set.sh', ['taskboard-dev', 'deploy-7-1', id], { ...base, ...env });
    t.equal(refused.status, 1, what);
    t.match(refused.stderr, message, what);
    t.notOk(
      calls().some((call) => call.includes('execute-change-set')),
      `${what}: nothing executed`,
    );
  }

  reset();
  const rolledBack = script(REPO, 'execute-change-set.sh', ['taskboard-dev', 'deploy-7-1', id], {
    ...base,
    FAKE_WAIT_EXIT: '255',
  });
  t.not(rolledBack.status, 0, 'a stack update that rolls back fails the job');
});
