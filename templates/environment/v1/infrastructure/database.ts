import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets for the instance. */
  readonly subnets: ec2.SubnetSelection;
  /** Subnets for the rotation function: they must reach the Secrets Manager API (NAT or endpoint). */
  readonly rotationSubnets: ec2.SubnetSelection;
  /** The service instances' security group: the only client allowed on 5432 besides rotation. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** @default 't4g.micro' */
  readonly instanceClass?: string;
  /** @default rds.PostgresEngineVersion.VER_18_3 */
  readonly engineVersion?: rds.PostgresEngineVersion;
  /** @default 20 */
  readonly allocatedStorageGib?: number;
  /** @default 100 */
  readonly maxAllocatedStorageGib?: number;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** @default false */
  readonly multiAz?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** log_min_duration_statement in milliseconds; -1 turns slow query logging off. @default 500 */
  readonly slowQueryMs?: number;
  /** @default 30 */
  readonly secretRotationDays?: number;
  /** @default 'taskboard' */
  readonly databaseName?: string;
}

/**
 * PostgreSQL on RDS in isolated subnets, TLS only, encrypted, with generated credentials in
 * Secrets Manager rotated by a hosted single-user rotation function.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly secret: secretsmanager.ISecret;
  readonly securityGroup: ec2.SecurityGroup;
  readonly rotationSecurityGroup: ec2.SecurityGroup;
  readonly parameterGroup: rds.ParameterGroup;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const allocated = props.allocatedStorageGib ?? 20;
    const maxAllocated = props.maxAllocatedStorageGib ?? 100;
    if (maxAllocated < allocated) {
      throw new Error(
        `Database: maxAllocatedStorageGib (${maxAllocated}) must be at least allocatedStorageGib (${allocated})`,
      );
    }
    const backupRetentionDays = props.backupRetentionDays ?? 7;
    if (backupRetentionDays < 1 || backupRetentionDays > 35) {
      throw new Error(`Database: backupRetentionDays must be 1-35, got ${backupRetentionDays}`);
    }
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: props.engineVersion ?? rds.PostgresEngineVersion.VER_18_3,
    });
    const deletionProtection = props.deletionProtection ?? true;

    this.parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Taskboard PostgreSQL settings',
      parameters: {
        timezone: 'UTC',
        client_encoding: 'UTF8',
        'rds.force_ssl': '1',
        log_min_duration_statement: String(props.slowQueryMs ?? 500),
      },
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Taskboard database: 5432 from the service instances and the rotation function only',
      allowAllOutbound: false,
    });
    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: 'Taskboard database secret rotation function',
      allowAllOutbound: true, // Secrets Manager API (via NAT or endpoint) and the database
    });
    this.securityGroup.addIngressRule(
      props.clientSecurityGroup,
      ec2.Port.tcp(5432),
      'PostgreSQL from service instances',
    );
    this.securityGroup.addIngressRule(
      this.rotationSecurityGroup,
      ec2.Port.tcp(5432),
      'PostgreSQL from secret rotation',
    );

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: new ec2.InstanceType(props.instanceClass ?? 't4g.micro'),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      subnetGroup: new rds.SubnetGroup(this, 'SubnetGroup', {
        vpc: props.vpc,
        vpcSubnets: props.subnets,
        description: 'Taskboard database: isolated subnets',
      }),
      securityGroups: [this.securityGroup],
      parameterGroup: this.parameterGroup,
      databaseName: props.databaseName ?? 'taskboard',
      credentials: rds.Credentials.fromGeneratedSecret('taskboard'),
      storageType: rds.StorageType.GP3,
      allocatedStorage: allocated,
      maxAllocatedStorage: maxAllocated,
      storageEncrypted: true,
      multiAz: props.multiAz ?? false,
      backupRetention: Duration.days(backupRetentionDays),
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      iamAuthentication: true,
      autoMinorVersionUpgrade: true,
      enablePerformanceInsights: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      publiclyAccessible: false,
      copyTagsToSnapshot: true,
    });
    this.secret = this.instance.secret!;
    this.secret.addRotationSchedule('Rotation', {
      automaticallyAfter: Duration.days(props.secretRotationDays ?? 30),
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        vpc: props.vpc,
        vpcSubnets: props.rotationSubnets,
        securityGroups: [this.rotationSecurityGroup],
      }),
    });
  }
}
