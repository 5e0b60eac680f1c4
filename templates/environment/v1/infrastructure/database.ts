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
  /**
   * PostgreSQL role the api connects as: DML only, created by the migration runner (as the master
   * user) on the first deploy. Must not end in `_clone` (the multi-user rotation's second user).
   * @default 'taskboard_app'
   */
  readonly appUsername?: string;
}

/** Name of the master user: the migrator (migrations, the app role's set-up, the app secret's rotation). */
export const MASTER_USERNAME = 'taskboard';
export const DEFAULT_APP_USERNAME = 'taskboard_app';

/**
 * PostgreSQL on RDS in isolated subnets, TLS only, encrypted, with two generated secrets:
 * - `secret`, the master user's: migrations only (the web fleet can never read it), rotated in
 *   place by the hosted single-user rotation (a migration racing a rotation just fails and is re-run);
 * - `appSecret`, the api's least-privilege user (`taskboard_app`), rotated by the hosted
 *   multi-user rotation: it alternates between `taskboard_app` and `taskboard_app_clone`, so
 *   whatever version an instance reads, that user's password is valid until the rotation after next
 *   (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html#rotating-secrets-two-users).
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  /** The master user's secret: the migration runner's credentials. */
  readonly secret: secretsmanager.ISecret;
  /** The api's own credentials (DML only); the only secret the service instances may read. */
  readonly appSecret: secretsmanager.ISecret;
  readonly appUsername: string;
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
    this.appUsername = props.appUsername ?? DEFAULT_APP_USERNAME;
    // PostgreSQL identifiers the rotation function and the migration runner create unquoted-safe;
    // "_clone" is what the multi-user rotation appends, so the base name must not carry it already.
    if (!/^[a-z][a-z0-9_]{0,56}$/.test(this.appUsername) || this.appUsername.endsWith('_clone')) {
      throw new Error(
        `Database: appUsername must be 1-57 lower-case letters, digits or _ starting with a letter, not ending in _clone; got "${this.appUsername}"`,
      );
    }
    if (this.appUsername === MASTER_USERNAME) {
      throw new Error(`Database: appUsername must differ from the master user "${MASTER_USERNAME}"`);
    }

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
      credentials: rds.Credentials.fromGeneratedSecret(MASTER_USERNAME),
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
    const rotationDays = Duration.days(props.secretRotationDays ?? 30);
    const rotationNetwork = {
      vpc: props.vpc,
      vpcSubnets: props.rotationSubnets,
      securityGroups: [this.rotationSecurityGroup],
    };
    this.secret.addRotationSchedule('Rotation', {
      automaticallyAfter: rotationDays,
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser(rotationNetwork),
    });

    // `masterarn` in the secret is how the multi-user rotation function finds the master secret;
    // attaching adds host, port, dbname and engine, so the api reads one complete RDS-format secret.
    this.appSecret = new rds.DatabaseSecret(this, 'AppSecret', {
      username: this.appUsername,
      masterSecret: this.secret,
    }).attach(this.instance);
    this.appSecret.addRotationSchedule('AppRotation', {
      automaticallyAfter: rotationDays,
      hostedRotation: secretsmanager.HostedRotation.postgreSqlMultiUser({
        ...rotationNetwork,
        masterSecret: this.secret,
      }),
      // The rotation function first logs in as the secret's current user and gives up if it cannot
      // (rotation-strategy page above; "setSecret: Unable to log into database using current
      // credentials"). That role is created by the migration runner on the first service deploy
      // (docs/first-deploy.md), so the first rotation waits one rotation period instead of running
      // when the stack is created, before any service exists.
      rotateImmediatelyOnUpdate: false,
    });
  }
}
