// .github/workflows/deploy.yml, read as data: who runs it, with which permissions, on which commit,
// in which order. Job conditions and the concurrency group are evaluated against event payloads with
// helpers/github-expression.ts under GitHub's documented expression rules; that GitHub evaluates them
// the same way is verified only against these pages:
// - workflow_run and its branches filter (the triggering run's branch, a fork's "main" included):
//   https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#workflow_run
//   "Workflows triggered by the workflow_run event are privileged ... do not check out, build, or run
//   untrusted code" (same page, and the security hardening guide).
// - the payload's workflow_run object (event, conclusion, head_branch, head_sha, head_repository):
//   https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run and octokit/webhooks'
//   payload-schemas/api.github.com/common/workflow-run.schema.json
// - permissions per job ("If you specify the access for any of these permissions, all of those that
//   are not specified are set to none"):
//   https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
// - concurrency ("at most one running and one pending ... Any existing pending job or workflow in the
//   same concurrency group ... will be canceled"):
//   https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency
// - environments with required reviewers gate the job that references them:
//   https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments
// - OIDC subject of a job with an environment is repo:OWNER/REPO:environment:NAME, whatever code runs,
//   so the AWS role's trust policy cannot tell a fork's run apart; only these conditions can:
//   https://docs.github.com/en/actions/reference/security/oidc
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { conditionHolds, evaluate, type Value } from './helpers/github-expression.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WORKFLOWS = join(REPO, '.github', 'workflows');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly 'working-directory'?: string;
}

interface Job {
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string | { readonly name: string };
  readonly permissions?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: { readonly workflow_run: { readonly workflows: string[]; readonly branches: string[] } };
  readonly permissions: unknown;
  readonly concurrency: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly jobs: Readonly<Record<string, Job>>;
}

const workflow = parse(readFileSync(join(WORKFLOWS, 'deploy.yml'), 'utf8')) as Workflow;
const jobs = workflow.jobs;
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
const environmentOf = (job: Job): string | undefined =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;

type Result = 'success' | 'failure' | 'skipped';

interface Payload {
  readonly event: string;
  readonly conclusion: string;
  readonly headBranch: string;
  readonly headRepository: string;
}

const TRUSTED: Payload = {
  event: 'push',
  conclusion: 'success',
  headBranch: 'main',
  headRepository: 'acme/taskboard',
};

function githubContext(payload: Payload): Value {
  return {
    repository: 'acme/taskboard',
    event_name: 'workflow_run',
    run_id: 4242,
    run_attempt: 1,
    event: {
      workflow_run: {
        event: payload.event,
        conclusion: payload.conclusion,
        head_branch: payload.headBranch,
        head_sha: '0123456789abcdef0123456789abcdef01234567',
        head_repository: { full_name: payload.headRepository },
      },
    },
  };
}

interface Scenario {
  /** Outputs a job sets when it runs (the workflow's own outputs are not executed here). */
  readonly outputs?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Jobs that run but fail (a failed bake, a reviewer rejecting an approval). */
  readonly failing?: readonly string[];
}

/** Which jobs run for a payload: each job's `if` in dependency order, under GitHub's status rules. */
function simulate(payload: Payload, scenario: Scenario = {}): Record<string, Result> {
  const results: Record<string, Result> = {};
  const pending = new Set(Object.keys(jobs));
  while (pending.size > 0) {
    const ready = [...pending].find((name) => needsOf(jobs[name]!).every((need) => need in results));
    if (!ready) throw new Error('deploy.yml has a cycle in needs');
    pending.delete(ready);
    const job = jobs[ready]!;
    const needs = Object.fromEntries(
      needsOf(job).map((need) => [
        need,
        { result: results[need]!, outputs: results[need] === 'skipped' ? {} : (scenario.outputs?.[need] ?? {}) },
      ]),
    );
    const ancestors = (name: string): string[] => needsOf(jobs[name]!).flatMap((need) => [need, ...ancestors(need)]);
    const status = {
      success: () => needsOf(job).every((need) => results[need] === 'success'),
      failure: () => ancestors(ready).some((name) => results[name] === 'failure'),
      cancelled: () => false,
      always: () => true,
    };
    const runs = conditionHolds(job.if, { github: githubContext(payload), needs, vars: {} }, status);
    results[ready] = !runs ? 'skipped' : scenario.failing?.includes(ready) ? 'failure' : 'success';
  }
  return results;
}

const ran = (results: Record<string, Result>): string[] =>
  Object.entries(results)
    .filter(([, result]) => result !== 'skipped')
    .map(([name]) => name)
    .sort();

const everything = {
  affected: { rollout: 'true', dev: 'true', prod: 'true', 'dev-environment': 'true', 'prod-environment': 'true' },
  bake: { ami: 'ami-0123456789abcdef0' },
  'deploy-dev': { decision: 'none' },
  'deploy-prod': { decision: 'none' },
};

t.test('only a successful CI run of a push to this repository main runs anything', async (t) => {
  t.same(workflow.on.workflow_run.branches, ['main']);
  t.same(ran(simulate(TRUSTED, { outputs: everything })), ['affected', 'bake', 'deploy-dev', 'deploy-prod']);
  const untrusted: { readonly what: string; readonly payload: Payload }[] = [
    {
      what: 'a pull request from a fork whose branch is named main',
      payload: {
        event: 'pull_request',
        conclusion: 'success',
        headBranch: 'main',
        headRepository: 'mallory/taskboard',
      },
    },
    {
      what: 'a push to a fork main (same name, other repository)',
      payload: { ...TRUSTED, headRepository: 'mallory/taskboard' },
    },
    { what: 'a pull request from this repository main', payload: { ...TRUSTED, event: 'pull_request' } },
    { what: 'a push to another branch', payload: { ...TRUSTED, headBranch: 'feature/x' } },
    { what: 'a CI run that failed', payload: { ...TRUSTED, conclusion: 'failure' } },
    { what: 'a CI run that was cancelled', payload: { ...TRUSTED, conclusion: 'cancelled' } },
    { what: 'a CI run started by hand', payload: { ...TRUSTED, event: 'workflow_dispatch' } },
  ];
  for (const { what, payload } of untrusted) {
    // Even when every other job's inputs say "deploy": jobs that use !cancelled() must still be gated.
    t.same(ran(simulate(payload, { outputs: everything })), [], `${what}: no job runs`);
  }
});

t.test('GitHub compares strings ignoring case, so the commit must also be in main history', async (t) => {
  // A push to a branch of this repository named "MAIN" passes `head_branch == 'main'`; the branches
  // filter and ci.yml's push filter stop it first, and deploy-plan.sh refuses a commit that is not in
  // origin/main's history (exit 3, tested in deploy-scripts.test.ts).
  t.same(ran(simulate({ ...TRUSTED, headBranch: 'MAIN' }, { outputs: everything })).includes('affected'), true);
  const affected = jobs.affected!;
  const plan = affected.steps.find((step) => step.id === 'plan')!;
  t.match(plan.run, /deploy-plan\.sh "\$HEAD_SHA" origin\/main/);
  const todo = jobs['deploy-dev']!.steps.find((step) => step.id === 'todo')!;
  t.match(todo.run, /deploy-todo\.sh .* origin\/main/);
});

t.test('every job that gets AWS credentials or a write token depends on the guarded affected job', async (t) => {
  const dependsOnAffected = (name: string): boolean =>
    name === 'affected' || needsOf(jobs[name]!).some((need) => dependsOnAffected(need));
  for (const [name, job] of Object.entries(jobs)) {
    t.ok(dependsOnAffected(name), `${name} runs only after affected`);
    const gatesOnResult = /\b(always|cancelled|failure)\s*\(/.test(job.if ?? '');
    if (gatesOnResult && name !== 'affected') {
      t.match(job.if, /needs\.affected\.result == 'success'/, `${name} overrides success(), so it checks affected`);
    }
  }
});

t.test('a run that will not deploy cannot take the deploy concurrency group from one that will', async (t) => {
  t.equal(workflow.concurrency['cancel-in-progress'], false, 'a running deploy is never cancelled midway');
  const group = (payload: Payload): Value =>
    workflow.concurrency.group.includes('${{')
      ? evaluate(workflow.concurrency.group, { github: githubContext(payload) })
      : workflow.concurrency.group;
  t.equal(group(TRUSTED), 'deploy');
  t.equal(
    group({ ...TRUSTED, headRepository: 'mallory/taskboard', event: 'pull_request' }),
    'deploy-not-deploying-4242',
  );
  t.equal(group({ ...TRUSTED, conclusion: 'failure' }), 'deploy-not-deploying-4242');
});

t.test(
  'least privilege: nothing by default, OIDC and write access only where AWS is called or git is pushed',
  async (t) => {
    t.same(workflow.permissions, {});
    const withIdToken = Object.keys(jobs).filter((name) => jobs[name]!.permissions?.['id-token'] === 'write');
    t.same(withIdToken.sort(), ['apply-dev', 'apply-prod', 'bake', 'deploy-dev', 'deploy-prod']);
    const pushing = Object.keys(jobs).filter((name) => jobs[name]!.permissions?.contents === 'write');
    t.same(pushing.sort(), ['apply-dev', 'apply-prod', 'deploy-dev', 'deploy-prod'], 'only jobs that record a deploy');
    for (const name of pushing) {
      t.ok(
        jobs[name]!.steps.some((step) => step.run?.includes('record-deploy.sh')),
        `${name} pushes (record-deploy.sh)`,
      );
    }
    t.same(jobs.affected!.permissions, { contents: 'read' }, 'affected runs npm ci: read-only token, no OIDC');
    for (const [name, job] of Object.entries(jobs)) {
      t.ok(job.permissions, `${name} states its permissions`);
      const usesAws = job.steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials'));
      t.equal(usesAws, job.permissions?.['id-token'] === 'write', `${name}: OIDC exactly when it assumes the role`);
      if (usesAws) t.ok(environmentOf(job), `${name} assumes the role inside a GitHub environment`);
    }
    t.same(Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, environmentOf(job) ?? null])), {
      affected: null,
      bake: 'dev',
      'deploy-dev': 'dev',
      'apply-dev': 'dev-infrastructure',
      'deploy-prod': 'prod',
      'apply-prod': 'prod-infrastructure',
    });
  },
);

t.test('every job checks out the commit whose CI passed, without leaving the token in .git/config', async (t) => {
  for (const [name, job] of Object.entries(jobs)) {
    const checkouts = job.steps.filter((step) => step.uses?.startsWith('actions/checkout'));
    t.equal(checkouts.length, 1, `${name} checks out once`);
    for (const step of checkouts) {
      t.equal(step.with?.ref, '${{ github.event.workflow_run.head_sha }}', `${name} checks out head_sha, not main`);
      t.equal(step.with?.['persist-credentials'], false, `${name} keeps no credentials in the checkout`);
    }
    t.notOk(
      job.steps.some((step) => step.uses?.startsWith('nrwl/nx-set-shas')),
      `${name}: no "last successful run" lookup (under workflow_run it falls back to main~1)`,
    );
    for (const step of job.steps) {
      if (step.env?.GITHUB_TOKEN) {
        t.match(step.run, /record-deploy\.sh/, `${name}: only the record steps see the token`);
      }
    }
  }
});

/** Which steps of a deploy job run, given earlier steps' outputs. */
function stepsRun(
  job: Job,
  stepOutputs: Record<string, Record<string, string>>,
  outcomes: Record<string, string> = {},
) {
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const names: string[] = [];
  for (const step of job.steps) {
    const context = { steps, env: job.env ?? {}, github: githubContext(TRUSTED), needs: {}, vars: {} };
    const runs = conditionHolds(step.if, context, {
      success: () => true,
      failure: () => false,
      cancelled: () => false,
      always: () => true,
    });
    if (step.id) {
      const outcome = runs ? (outcomes[step.id] ?? 'success') : 'skipped';
      steps[step.id] = { outputs: runs ? (stepOutputs[step.id] ?? {}) : {}, outcome, conclusion: outcome };
    }
    if (runs) names.push(step.name ?? step.uses ?? step.run ?? '?');
  }
  return names;
}

t.test('the AMI is recorded right after the rollout, before the environment stack can fail', async (t) => {
  for (const name of ['deploy-dev', 'deploy-prod']) {
    const steps = jobs[name]!.steps;
    const rollout = steps.findIndex((step) => step.id === 'rollout');
    t.ok(rollout > 0, `${name} rolls out`);
    t.match(steps[rollout]!.run, /node tools\/rollout\/src\/cli\.ts deploy --env "\$DEPLOY_ENV" --ami "\$AMI"/);
    const record = steps[rollout + 1]!;
    t.match(record.run, /record-deploy\.sh "\$DEPLOY_ENV" service "\$HEAD_SHA" "\$AMI"/, 'the very next step records');
    t.equal(record.if, "steps.rollout.outcome == 'success'");
    const firstEnvironmentStep = steps.findIndex((step) => step['working-directory'] === 'templates/environment');
    t.ok(firstEnvironmentStep > rollout + 1, 'the environment stack comes after');
  }
  const job = jobs['deploy-dev']!;
  const rolledOut = stepsRun(job, { todo: { rollout: 'true', plan: 'false' } });
  t.ok(rolledOut.some((step) => step.startsWith('Record the rollout')));
  const failed = stepsRun(job, { todo: { rollout: 'true', plan: 'false' } }, { rollout: 'failure' });
  t.notOk(
    failed.some((step) => step.startsWith('Record the rollout')),
    'a failed rollout records nothing',
  );
  const oldRun = stepsRun(job, { todo: { rollout: 'false', plan: 'false' } });
  t.notOk(oldRun.includes('Roll out'), 'nothing to roll out when a newer commit already serves');
});

t.test(
  'environment stack changes go through a change set; only API Gateway additions execute unreviewed',
  async (t) => {
    const job = jobs['deploy-dev']!;
    for (const [name, candidate] of Object.entries(jobs)) {
      for (const step of candidate.steps) {
        const run = step.run ?? '';
        if (/\$CDK deploy/.test(run) && /taskboard-\$DEPLOY_ENV/.test(run)) {
          t.match(run, /--method=prepare-change-set/, `${name}: the environment stack is never deployed directly`);
        }
        if (/execute-change-set\.sh/.test(run)) {
          t.ok(
            step.if === "steps.plan.outputs.decision == 'auto'" ||
              environmentOf(candidate)?.endsWith('-infrastructure'),
            `${name}: a change set executes only when classified auto, or after a reviewer approved`,
          );
        }
      }
    }
    const plan = { todo: { rollout: 'false', plan: 'true' } };
    const review = stepsRun(job, { ...plan, plan: { decision: 'review', 'change-set-id': 'arn:cs' } });
    t.ok(
      review.some((step) => step.startsWith('cdk diff')),
      'the diff goes to the job summary',
    );
    t.notOk(
      review.some((step) => step.startsWith('Execute')),
      'review: nothing executes in the deploy job',
    );
    t.notOk(
      review.some((step) => step.startsWith('Record the environment')),
      'review: not recorded yet',
    );
    const auto = stepsRun(job, { ...plan, plan: { decision: 'auto', 'change-set-id': 'arn:cs' } });
    t.ok(auto.some((step) => step.startsWith('Execute the change set')));
    t.ok(auto.some((step) => step.startsWith('Record the environment')));
    const none = stepsRun(job, { ...plan, plan: { decision: 'none' } });
    t.ok(none.some((step) => step.startsWith('Delete the empty change set')));
    t.ok(none.some((step) => step.startsWith('Record the environment')));
    const diff = job.steps.find((step) => step.name?.startsWith('cdk diff'))!;
    t.match(diff.run, /GITHUB_STEP_SUMMARY/);
  },
);

t.test('job order: dev before prod, reviewed infrastructure before prod, failures stop prod', async (t) => {
  const reviewDev = {
    outputs: { ...everything, 'deploy-dev': { decision: 'review' }, 'deploy-prod': { decision: 'review' } },
  };
  t.same(ran(simulate(TRUSTED, reviewDev)), [
    'affected',
    'apply-dev',
    'apply-prod',
    'bake',
    'deploy-dev',
    'deploy-prod',
  ]);
  const rejected = simulate(TRUSTED, { ...reviewDev, failing: ['apply-dev'] });
  t.equal(rejected['deploy-prod'], 'skipped', 'a rejected dev infrastructure change does not reach prod');
  t.equal(simulate(TRUSTED, { outputs: everything, failing: ['bake'] })['deploy-dev'], 'skipped', 'failed bake');
  t.equal(simulate(TRUSTED, { outputs: everything, failing: ['deploy-dev'] })['deploy-prod'], 'skipped');

  const environmentOnly = {
    outputs: {
      ...everything,
      affected: { rollout: 'false', dev: 'true', prod: 'true', 'dev-environment': 'true', 'prod-environment': 'true' },
    },
  };
  t.same(
    ran(simulate(TRUSTED, environmentOnly)),
    ['affected', 'deploy-dev', 'deploy-prod'],
    'no bake without a rollout',
  );
  const prodOnly = {
    outputs: {
      ...everything,
      affected: {
        rollout: 'false',
        dev: 'false',
        prod: 'true',
        'dev-environment': 'false',
        'prod-environment': 'true',
      },
    },
  };
  t.same(ran(simulate(TRUSTED, prodOnly)), ['affected', 'deploy-prod'], 'prod catches up alone when dev is current');
  const nothing = { outputs: { affected: { rollout: 'false', dev: 'false', prod: 'false' } } };
  t.same(ran(simulate(TRUSTED, nothing)), ['affected']);
});

t.test('every workflow passes GitHub schema validation (action-validator)', async (t) => {
  const validator = join(REPO, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
  const validate = (file: string) => spawnSync(process.execPath, [validator, file], { cwd: REPO, encoding: 'utf8' });
  const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));
  t.ok(files.includes('deploy.yml') && files.includes('ci.yml'));
  for (const file of files) {
    const result = validate(join(WORKFLOWS, file));
    t.equal(result.status, 0, `${file}: ${result.stdout}${result.stderr}`);
  }
  // The validator can fail: a misspelt permission level is caught.
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-workflow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'broken.yml');
  writeFileSync(
    broken,
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: wrte\n    steps:\n      - run: echo\n',
  );
  t.not(validate(broken).status, 0);
});
