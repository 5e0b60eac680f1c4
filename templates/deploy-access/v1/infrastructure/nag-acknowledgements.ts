import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DeployStatement } from './deploy-policy.ts';

/**
 * cdk-nag's finding id for a wildcard: its own rendering of the resource (`<AWS::Partition>` for a Ref)
 * or `Action::` / `Resource::*`.
 */
function nagResource(scope: IConstruct, resource: string): string {
  const resolved: unknown = Stack.of(scope).resolve(resource);
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(join[0]);
}

/**
 * Acknowledges each AwsSolutions-IAM5 (wildcard) finding of a deploy role with the reason its statement
 * gives, so an unexplained wildcard still fails synthesis.
 */
export function acknowledgeWildcards(role: IConstruct, statements: readonly DeployStatement[]): void {
  const validations = Validations.of(role);
  for (const { statement, wildcardReason } of statements) {
    if (!wildcardReason) continue;
    for (const resource of statement.resources) {
      const rendered = nagResource(role, resource);
      if (!rendered.includes('*')) continue;
      validations.acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason: wildcardReason });
    }
  }
}
