import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface InstanceRoleProps {
  /** ARN of the one secret the api reads: the database credentials. */
  readonly databaseSecretArn: string;
}

/**
 * The instances' role, least privilege: read one secret, Session Manager (no SSH, no bastion),
 * and the CloudWatch agent (metrics, logs, its config from SSM).
 */
export class InstanceRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    if (
      !/^arn:aws[a-z-]*:secretsmanager:/.test(props.databaseSecretArn) &&
      !Token.isUnresolved(props.databaseSecretArn)
    ) {
      throw new Error(
        `InstanceRole: databaseSecretArn must be a Secrets Manager ARN, got "${props.databaseSecretArn}"`,
      );
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Taskboard api instances',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'),
      ],
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDatabaseSecret',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.databaseSecretArn],
      }),
    );
  }
}
