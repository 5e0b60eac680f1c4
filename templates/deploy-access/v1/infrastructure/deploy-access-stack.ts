import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { DeployAccessInputs, Deployer } from './deploy-access-inputs.ts';
import { deployStatements } from './deploy-policy.ts';
import { acknowledgeWildcards } from './nag-acknowledgements.ts';

/** GitHub's OIDC issuer host; also the prefix of its condition keys in IAM. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

export interface DeployAccessStackProps extends StackProps {
  readonly inputs: DeployAccessInputs;
}

/** `dev` -> `Dev`, `prod-eu` -> `ProdEu`: output ids are alphanumeric. */
export function outputSuffix(githubEnvironment: string): string {
  return githubEnvironment
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** `repo:<owner>/<repo>:environment:<name>`: the `sub` GitHub puts in a job's token when the job names an environment. */
export function environmentSubject(repository: string, githubEnvironment: string): string {
  return `repo:${repository}:environment:${githubEnvironment}`;
}

/**
 * GitHub Actions' way into this account: the IAM OIDC provider for GitHub's token issuer (created, or the
 * account's existing one) and one deploy role per GitHub environment. A role trusts only tokens whose
 * audience is STS and whose subject is this repository's job in that environment, so a branch, a pull
 * request, a fork or another environment's job cannot assume it. Its policy is deployStatements.
 */
export class DeployAccessStack extends Stack {
  readonly provider: iam.IOidcProvider;
  readonly roles: ReadonlyMap<string, iam.Role>;

  constructor(scope: Construct, id: string, props: DeployAccessStackProps) {
    super(scope, id, props);
    const inputs = props.inputs;
    const suffixes = new Set(inputs.deployers.map((d) => outputSuffix(d.github_environment)));
    if (suffixes.size !== inputs.deployers.length) {
      throw new Error('DeployAccessStack: github_environment names must differ in more than case and punctuation');
    }

    if (inputs.create_oidc_provider) {
      // No thumbprints: IAM secures GitHub's issuer through its trusted root CAs and ignores them.
      this.provider = new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [STS_AUDIENCE],
        // Roles of other stacks may trust it too; deleting this stack must not cut them off.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    } else {
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(
        this,
        'GitHubOidcProvider',
        `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`,
      );
    }

    const roles = new Map<string, iam.Role>();
    for (const deployer of inputs.deployers) {
      const role = this.deployRole(inputs, deployer);
      roles.set(deployer.github_environment, role);
      new CfnOutput(this, `DeployRoleArn${outputSuffix(deployer.github_environment)}`, {
        value: role.roleArn,
        description: `vars.AWS_DEPLOY_ROLE_ARN of the GitHub environment "${deployer.github_environment}"`,
      });
    }
    this.roles = roles;
    new CfnOutput(this, 'OidcProviderArn', { value: this.provider.oidcProviderArn });
  }

  private deployRole(inputs: DeployAccessInputs, deployer: Deployer): iam.Role {
    const id = `DeployRole${outputSuffix(deployer.github_environment)}`;
    const statements = deployStatements(inputs, deployer);
    const role = new iam.Role(this, id, {
      roleName: `${inputs.name_prefix}-deploy-${deployer.github_environment}`,
      description: `GitHub Actions deploys of ${inputs.github_repository}, environment ${deployer.github_environment}`,
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: environmentSubject(inputs.github_repository, deployer.github_environment),
        },
      }),
      maxSessionDuration: Duration.hours(inputs.max_session_hours),
      inlinePolicies: { deploy: new iam.PolicyDocument({ statements: statements.map((s) => s.statement) }) },
    });
    acknowledgeWildcards(role, statements);
    return role;
  }
}
