import { Validations } from 'aws-cdk-lib';
import type { ServiceStack } from './service-stack.ts';

/** cdk-nag AwsSolutions findings this template accepts, each with the reason. */
export function suppressAcceptedFindings(stack: ServiceStack): void {
  const role = stack.instanceRole.role;
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'AWS documents this managed policy as the minimum for Session Manager (shell access without SSH or bastions); it grants the ssm/ssmmessages/ec2messages channel calls only.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
      reason:
        'AWS documents this managed policy for the CloudWatch agent: metric and log writes, X-Ray trace segment writes and sampling reads (the agent relays the api traces), and ssm:GetParameter limited to AmazonCloudWatch-* parameters (where this stack puts the agent config).',
    },
  );
  if (stack.migrationRunner) {
    Validations.of(stack.migrationRunner.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'AWS documents this managed policy as the minimum for SSM Run Command and Session Manager, which is how the rollout runs migrate.js on the runner instance.',
    });
  }
}
