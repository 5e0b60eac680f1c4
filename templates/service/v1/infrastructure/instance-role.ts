import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface InstanceRoleProps {
  /** ARN of the one secret the api reads: its own database user (never the master user). */
  readonly databaseSecretArn: string;
}

/**
 * The instances' role, least privilege: read one secret, Session Manager (no SSH, no bastion),
 * and the CloudWatch agent (metrics, logs, its config from SSM, and the api's traces to X-Ray:
 * CloudWatchAgentServerPolicy grants xray:PutTraceSegments, PutTelemetryRecords and the sampling
 * reads, so tracing needs no statement of its own;
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchAgentServerPolicy.html).
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

export interface MigrationRunnerRoleProps {
  /** The api's secret: the runner reads its current username and password to create the app role. */
  readonly databaseSecretArn: string;
  /** The master user's secret: migrations and the app role's set-up run as it. */
  readonly migratorSecretArn: string;
}

/**
 * The migration runner's role and instance profile. The rollout starts the runner from the group's
 * launch template but passes this profile in RunInstances, which overrides the template's ("Any
 * additional parameters that you specify for the new instance overwrite the corresponding parameters
 * included in the launch template", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html),
 * so only that one short-lived instance can read the master secret; the web fleet's role never can.
 * Session Manager's policy is what SSM Run Command (how the rollout runs migrate.js) needs.
 */
export class MigrationRunnerRole extends Construct {
  readonly role: iam.Role;
  readonly instanceProfile: iam.InstanceProfile;

  constructor(scope: Construct, id: string, props: MigrationRunnerRoleProps) {
    super(scope, id);
    for (const [name, arn] of Object.entries(props)) {
      if (!/^arn:aws[a-z-]*:secretsmanager:/.test(arn) && !Token.isUnresolved(arn)) {
        throw new Error(`MigrationRunnerRole: ${name} must be a Secrets Manager ARN, got "${arn}"`);
      }
    }
    if (props.databaseSecretArn === props.migratorSecretArn) {
      throw new Error(
        "MigrationRunnerRole: the migrator secret must not be the api's secret (the instances would read the master user's credentials)",
      );
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Taskboard migration runner (one short-lived instance per rollout)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDatabaseSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.databaseSecretArn, props.migratorSecretArn],
      }),
    );
    this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.role });
  }
}
