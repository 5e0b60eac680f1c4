// The OIDC provider and the deploy roles' trust, on the synthesized template.
// Verified only at this boundary: CDK assertions, cdk-nag and this package's policy evaluator
// (test/helpers/iam-evaluate.ts) on the synthesized CloudFormation. That GitHub issues the tokens and
// STS accepts them as encoded here is checked only by a real workflow run against an account.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSchemaHistory, SpecValidationError } from '@taskboard/template-kit';
import { Match } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { parseDeployAccessInputs, SCHEMA_DIR } from '../v1/infrastructure/deploy-access-inputs.ts';
import { environmentSubject, outputSuffix } from '../v1/infrastructure/deploy-access-stack.ts';
import { isAllowed } from './helpers/iam-evaluate.ts';
import {
  deployRoles,
  PACKAGE_DIR,
  PROVIDER_ARN,
  REPOSITORY,
  synthesizeDefault,
  synthesizeSpec,
} from './helpers/synthesized-access.ts';

const { json, template } = synthesizeDefault();
const roles = deployRoles(json);

function problemsOf(spec: Record<string, unknown>): readonly string[] {
  try {
    parseDeployAccessInputs(spec);
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
}

const dev = { github_environment: 'dev', environment_stack: 'taskboard-dev', service_instances: ['taskboard-api-dev'] };

t.test('the schema history is compatible; defaults apply; wrong or ambiguous fields are named', async (t) => {
  t.same(checkSchemaHistory(SCHEMA_DIR, 'environment'), []);
  const inputs = parseDeployAccessInputs({ github_repository: REPOSITORY, deployers: [dev] });
  t.equal(inputs.name_prefix, 'taskboard');
  t.equal(inputs.create_oidc_provider, true);
  t.equal(inputs.cdk_bootstrap_qualifier, 'hnb659fds');
  t.equal(inputs.max_session_hours, 3);
  t.equal(inputs.deployers[0]!.bake, false);
  t.equal(inputs.deployers[0]!.cdk_deploy, true);
  t.same(
    parseDeployAccessInputs({
      github_repository: REPOSITORY,
      deployers: [{ github_environment: 'dev-infrastructure', environment_stack: 'taskboard-dev' }],
    }).deployers[0]!.service_instances,
    [],
    'a change-set-only environment rolls out nothing',
  );
  t.same(problemsOf({ deployers: [dev] }), ['spec.github_repository: is required']);
  t.match(problemsOf({ github_repository: 'not a repo', deployers: [dev] }), [/^spec\.github_repository: must match/]);
  t.same(problemsOf({ github_repository: REPOSITORY, deployers: [dev, { ...dev, service_instances: ['x'] }] }), [
    'spec.deployers[].github_environment: "dev" appears more than once',
  ]);
  t.same(
    problemsOf({
      github_repository: REPOSITORY,
      deployers: [dev, { ...dev, github_environment: 'prod' }],
    }),
    ['spec.deployers[].service_instances: "taskboard-api-dev" appears more than once'],
  );
  t.equal(outputSuffix('prod-eu_2'), 'ProdEu2');
  t.throws(
    () =>
      synthesizeSpec({
        deployers: [dev, { ...dev, github_environment: 'Dev', service_instances: ['other'] }],
      }),
    /must differ in more than case/,
  );
});

// GitHub: "Configuring OpenID Connect in Amazon Web Services" — provider URL
// https://token.actions.githubusercontent.com, audience sts.amazonaws.com for the official action
// (https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws).
t.test('the OIDC provider is GitHub issuer with the STS audience, kept when the stack goes', async (t) => {
  template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  template.hasResource('AWS::IAM::OIDCProvider', {
    Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
    DeletionPolicy: 'Retain',
  });
  const [provider] = Object.values(json.Resources).filter((r) => r.Type === 'AWS::IAM::OIDCProvider');
  t.notOk(provider!.Properties!.ThumbprintList, 'IAM validates GitHub through its trusted CAs; no pinned thumbprint');
  t.notOk(
    Object.values(json.Resources).some((r) => r.Type === 'AWS::Lambda::Function'),
    'a native AWS::IAM::OIDCProvider, not a custom resource Lambda',
  );
});

t.test('an account that has the provider already: the stack uses it and creates none', async (t) => {
  const imported = synthesizeSpec({ create_oidc_provider: false, deployers: [dev] });
  t.notOk(Object.values(imported.Resources).some((r) => r.Type === 'AWS::IAM::OIDCProvider'));
  const role = deployRoles(imported).get('dev')!;
  t.same(role.trust[0]!.Principal, { Federated: PROVIDER_ARN });
});

// GitHub's OIDC reference, "Filtering for a specific environment": a job that names an environment
// gets sub `repo:<orgName/repoName>:environment:<environmentName>`; branch and pull request jobs get
// `repo:...:ref:refs/heads/<branch>` and `repo:...:pull_request` instead
// (https://docs.github.com/en/actions/reference/security/oidc). AWS IAM asks trust policies for GitHub
// to evaluate `token.actions.githubusercontent.com:sub` and `:aud`
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub).
t.test('each role trusts only this repository job in its own GitHub environment, audience STS', async (t) => {
  t.same([...roles.keys()].sort(), ['dev', 'dev-infrastructure', 'prod', 'prod-infrastructure']);
  for (const [environment, role] of roles) {
    t.same(role.trust, [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:environment:${environment}`,
          },
        },
      },
    ]);
    const token = (sub: string, aud = 'sts.amazonaws.com') => ({
      action: 'sts:AssumeRoleWithWebIdentity',
      context: { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': aud },
    });
    t.ok(isAllowed(role.trust, token(environmentSubject(REPOSITORY, environment))), `${environment}: its job`);
    const other = environment === 'dev' ? 'dev-infrastructure' : 'dev';
    for (const sub of [
      `repo:${REPOSITORY}:environment:${other}`,
      `repo:${REPOSITORY}:ref:refs/heads/main`,
      `repo:${REPOSITORY}:pull_request`,
      `repo:${REPOSITORY}-fork:environment:${environment}`,
      `repo:someone-else/taskboard:environment:${environment}`,
    ]) {
      t.notOk(isAllowed(role.trust, token(sub)), `${environment}: not ${sub}`);
    }
    t.notOk(isAllowed(role.trust, token(environmentSubject(REPOSITORY, environment), 'https://github.com/octo-org')));
    t.notOk(isAllowed(role.trust, { action: 'sts:AssumeRole' }), 'only web identity federation');
  }
});

t.test('roles are named per environment, outputs give their ARNs, sessions outlast a rollout', async (t) => {
  t.equal(roles.get('dev')!.roleName, 'taskboard-deploy-dev');
  t.equal(roles.get('prod')!.roleName, 'taskboard-deploy-prod');
  // aws-actions/configure-aws-credentials asks for 1 hour unless role-duration-seconds says more, and
  // IAM refuses more than the role's MaxSessionDuration; a rollout may follow a refresh for 90 minutes.
  t.equal(roles.get('prod')!.maxSessionDuration, 3 * 3600);
  for (const [environment, role] of roles) {
    const output = json.Outputs![`DeployRoleArn${outputSuffix(environment)}`]!;
    t.same(output.Value, { 'Fn::GetAtt': [role.logicalId, 'Arn'] });
    t.match(output.Description, `vars.AWS_DEPLOY_ROLE_ARN of the GitHub environment "${environment}"`);
  }
  template.hasOutput('OidcProviderArn', { Value: Match.anyValue() });
});

t.test('synth takes the repository from the flag or $GITHUB_REPOSITORY, and refuses without one', async (t) => {
  const outdir = mkdtempSync(join(tmpdir(), 'taskboard-deploy-access-synth-'));
  t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['scripts/synth.ts', '--region', 'eu-west-1', '--outdir', outdir, ...args], {
      cwd: PACKAGE_DIR,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });
  const flag = run(['--github-repository', REPOSITORY]);
  t.equal(flag.status, 0, flag.stderr);
  t.match(flag.stdout, 'specs/default.yaml: taskboard-deploy-access -> ');
  t.equal(run([], { GITHUB_REPOSITORY: REPOSITORY }).status, 0);
  const missing = run([]);
  t.equal(missing.status, 1);
  t.match(missing.stderr, 'spec.github_repository: is required');
  const noRegion = spawnSync(process.execPath, ['scripts/synth.ts'], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  t.equal(noRegion.status, 2);
});
