import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { parseDeployAccessInputs } from '../../v1/infrastructure/deploy-access-inputs.ts';
import { DeployAccessStack } from '../../v1/infrastructure/deploy-access-stack.ts';
import { synthesizeDeployAccess } from '../../v1/infrastructure/synthesize.ts';
import { ACCOUNT, resolve, type PolicyStatement } from './iam-evaluate.ts';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
export const REPOSITORY = 'octo-org/taskboard';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

export interface CloudFormationTemplate {
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
  >;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export interface DeployRole {
  readonly logicalId: string;
  readonly roleName: string;
  readonly maxSessionDuration: number;
  readonly trust: PolicyStatement[];
  /** The inline policy, pseudo parameters and references resolved as in account ACCOUNT, eu-west-1. */
  readonly policy: PolicyStatement[];
}

/** Synthesizes specs/default.yaml as `npm run synth` does, with cdk-nag (slow: once per test file). */
export function synthesizeDefault(): { json: CloudFormationTemplate; template: Template; templateFile: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'taskboard-deploy-access-'));
  t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
  const { templateFile } = synthesizeDeployAccess({
    specPath: join(PACKAGE_DIR, 'specs', 'default.yaml'),
    githubRepository: REPOSITORY,
    region: 'eu-west-1',
    outdir,
  });
  const json = JSON.parse(readFileSync(templateFile, 'utf8')) as CloudFormationTemplate;
  return { json, template: Template.fromJSON(json), templateFile };
}

/** A stack from a spec object (no cdk-nag), for variations of the default spec. */
export function synthesizeSpec(spec: Record<string, unknown>): CloudFormationTemplate {
  const inputs = parseDeployAccessInputs({ github_repository: REPOSITORY, ...spec });
  const stack = new DeployAccessStack(new App(), 'access', { inputs, env: { region: 'eu-west-1' } });
  return Template.fromStack(stack).toJSON() as CloudFormationTemplate;
}

/** Each deploy role by its GitHub environment (the role name's suffix after `-deploy-`). */
export function deployRoles(json: CloudFormationTemplate): Map<string, DeployRole> {
  const refs: Record<string, string> = {};
  for (const [id, resource] of Object.entries(json.Resources)) {
    if (resource.Type === 'AWS::IAM::OIDCProvider') refs[id] = PROVIDER_ARN;
  }
  const roles = new Map<string, DeployRole>();
  for (const [logicalId, resource] of Object.entries(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const properties = resolve(resource.Properties, refs) as {
      RoleName: string;
      MaxSessionDuration: number;
      AssumeRolePolicyDocument: { Statement: PolicyStatement[] };
      Policies: Array<{ PolicyName: string; PolicyDocument: { Statement: PolicyStatement[] } }>;
    };
    roles.set(properties.RoleName.replace(/^.*-deploy-/, ''), {
      logicalId,
      roleName: properties.RoleName,
      maxSessionDuration: properties.MaxSessionDuration,
      trust: properties.AssumeRolePolicyDocument.Statement,
      policy: properties.Policies.flatMap((p) => p.PolicyDocument.Statement),
    });
  }
  return roles;
}
