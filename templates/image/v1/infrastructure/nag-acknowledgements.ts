import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** cdk-nag AwsSolutions findings this template accepts, each with the reason. */
export function acknowledgeImageFindings(buildRole: IConstruct, artifactBucket: IConstruct): void {
  const role = Validations.of(buildRole);
  role.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]',
    reason:
      'EC2 Image Builder documents this managed policy as what its build instances need to report status and fetch components.',
  });
  role.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason: 'Image Builder drives build instances through Systems Manager; AWS documents this policy for it.',
  });
  for (const finding of [
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::<Artifacts82DD59A1.Arn>/*',
  ]) {
    role.acknowledge({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: 'Read-only access from grantRead, limited to the one artifact bucket and its objects.',
    });
  }
  Validations.of(artifactBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'Holds build artifacts that CI writes and the build instance reads; versioned, private and TLS-only. Enable CloudTrail S3 data events where an access trail is required.',
  });
}

/** Findings on the role Image Builder runs the pipeline with (ImageStack.executionRole). */
export function acknowledgeExecutionRoleFindings(executionRole: IConstruct): void {
  const role = Validations.of(executionRole);
  role.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2ImageBuilderExecutionPolicy]',
    reason:
      'EC2 Image Builder documents this managed policy for execution roles: the permissions its service-linked role has.',
  });
  role.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ec2:DescribeImages has no resource-level permissions; Image Builder documents it for writing an aws:ec2:image SSM parameter.',
  });
}
