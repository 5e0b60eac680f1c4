import { Validations } from 'aws-cdk-lib';
import type { EnvironmentStack } from './environment-stack.ts';
import type { EnvironmentInputs } from './environment-inputs.ts';

/**
 * cdk-nag AwsSolutions findings this template accepts, each with the reason. Findings that depend
 * on a spec value (Multi-AZ, deletion protection, MFA) are acknowledged only when the spec turns the
 * control off, so the prod spec is checked in full. Public API operations are acknowledged where
 * they are generated (rest-api-from-openapi.ts).
 */
export function suppressAcceptedFindings(stack: EnvironmentStack, inputs: EnvironmentInputs): void {
  const database = stack.database.instance;
  Validations.of(database).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      'PostgreSQL keeps port 5432: the instance is in isolated subnets and its security group admits only the service instances and the rotation function, so a non-default port adds no protection.',
  });
  if (!inputs.db_multi_az) {
    Validations.of(database).acknowledge({
      id: 'AwsSolutions-RDS3',
      reason: `Spec sets db_multi_az false (environment ${inputs.environment_name}): a single-AZ database is accepted to halve its cost outside production.`,
    });
  }
  if (!inputs.deletion_protection) {
    Validations.of(database).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason: `Spec sets deletion_protection false (environment ${inputs.environment_name}): disposable environments must be deletable.`,
    });
  }
  const userPool = stack.users.userPool;
  Validations.of(userPool).acknowledge({
    id: 'AwsSolutions-COG8',
    reason:
      'Cognito Plus tier (threat protection, compromised-credential checks) is billed per monthly active user; Essentials keeps the password policy, MFA and lockout after repeated failed sign-ins. Revisit when the user base warrants it.',
  });
  if (inputs.user_pool_mfa !== 'required') {
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: `Spec sets user_pool_mfa optional (environment ${inputs.environment_name}): users may enrol TOTP; prod requires it.`,
    });
  }
  Validations.of(stack.loadBalancer.accessLogBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This bucket only receives ALB access logs; logging access to the log bucket would need yet another bucket. Access is limited to the ELB log delivery principal and the account.',
  });
  const api = stack.restApi.api;
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      'The account-level role API Gateway uses to write execution logs; AWS documents this managed policy for it and it only grants CloudWatch Logs writes.',
  });
  if (!inputs.waf_enabled) {
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: `Spec sets waf_enabled false (environment ${inputs.environment_name}): stage throttling, Cognito authorization and the api's own per-user and per-address limits bound abuse; the prod spec turns the web ACL on.`,
    });
  }
}
