import { CfnOutput, Duration, Fn, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { Database } from './database.ts';
import type { EnvironmentInputs } from './environment-inputs.ts';
import { InternalLoadBalancer } from './internal-load-balancer.ts';
import { Network } from './network.ts';
import { suppressAcceptedFindings } from './nag-suppressions.ts';
import type { OpenApiDocument } from './openapi-document.ts';
import { RestApiFromOpenApi } from './rest-api-from-openapi.ts';
import { UserDirectory } from './user-directory.ts';
import { ApiRateLimitWebAcl } from './waf.ts';

export interface EnvironmentStackProps extends StackProps {
  readonly inputs: EnvironmentInputs;
  /** The api's OpenAPI document: API Gateway's resources and methods are generated from it. */
  readonly openApi: OpenApiDocument;
}

/**
 * Names of the stack outputs. Service specs refer to them as `{{ environment.outputs.<Name> }}`;
 * renaming one is a breaking change for every service spec.
 */
export const ENVIRONMENT_OUTPUTS = [
  'VpcId',
  'AvailabilityZones',
  'PrivateAppSubnetIds',
  'InstanceSecurityGroupId',
  'ServicePort',
  'DatabaseSecretArn',
  'DatabaseAppSecretArn',
  'DatabaseEndpoint',
  'DatabasePort',
  'UserPoolId',
  'UserPoolClientId',
  'UserPoolIssuerUrl',
  'ApiUrl',
  'ApiId',
  'ApiStageName',
  'AlbListenerArn',
  'AlbSecurityGroupId',
  'LoadBalancerFullName',
  'CorsAllowedOrigins',
] as const;
export type EnvironmentOutputName = (typeof ENVIRONMENT_OUTPUTS)[number];

const POSTGRES_VERSIONS = {
  '17.6': rds.PostgresEngineVersion.VER_17_6,
  '18.3': rds.PostgresEngineVersion.VER_18_3,
} as const;

/** One Taskboard environment: network, database, user directory, internal ALB and the REST API. */
export class EnvironmentStack extends Stack {
  readonly network: Network;
  readonly instanceSecurityGroup: ec2.SecurityGroup;
  readonly database: Database;
  readonly users: UserDirectory;
  readonly loadBalancer: InternalLoadBalancer;
  readonly restApi: RestApiFromOpenApi;
  /** The web ACL on the API stage, when the spec sets waf_enabled. */
  readonly webAcl?: ApiRateLimitWebAcl;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const inputs = props.inputs;
    Tags.of(this).add('taskboard:environment', inputs.environment_name);

    this.network = new Network(this, 'Network', {
      cidr: inputs.vpc_cidr,
      natGateways: inputs.nat_gateways,
      interfaceEndpoints: inputs.interface_endpoints,
      flowLogRetention: inputs.flow_log_retention_days as logs.RetentionDays,
    });
    const vpc = this.network.vpc;
    // Created here, not in the service, so the database rule can name it before any service exists.
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc,
      description: 'Taskboard service instances',
      allowAllOutbound: true, // HTTPS to AWS APIs and the Cognito JWKS; 5432 to the database
    });
    this.database = new Database(this, 'Database', {
      vpc,
      subnets: this.network.databaseSubnets,
      rotationSubnets: this.network.appSubnets,
      clientSecurityGroup: this.instanceSecurityGroup,
      instanceClass: inputs.db_instance_class,
      engineVersion: POSTGRES_VERSIONS[inputs.db_engine_version],
      allocatedStorageGib: inputs.db_allocated_storage_gib,
      maxAllocatedStorageGib: inputs.db_max_allocated_storage_gib,
      backupRetentionDays: inputs.db_backup_retention_days,
      multiAz: inputs.db_multi_az,
      deletionProtection: inputs.deletion_protection,
      slowQueryMs: inputs.db_slow_query_ms,
      secretRotationDays: inputs.db_secret_rotation_days,
    });
    this.network.allowEndpointAccessFrom(this.instanceSecurityGroup);
    this.network.allowEndpointAccessFrom(this.database.rotationSecurityGroup);
    this.users = new UserDirectory(this, 'Users', {
      mfa: inputs.user_pool_mfa,
      selfSignUp: inputs.user_pool_self_sign_up,
      passwordMinLength: inputs.password_min_length,
      accessTokenValidity: Duration.minutes(inputs.access_token_validity_minutes),
      idTokenValidity: Duration.minutes(inputs.id_token_validity_minutes),
      refreshTokenValidity: Duration.days(inputs.refresh_token_validity_days),
      retain: inputs.deletion_protection,
    });
    this.loadBalancer = new InternalLoadBalancer(this, 'InternalAlb', {
      vpc,
      subnets: this.network.appSubnets,
      instanceSecurityGroup: this.instanceSecurityGroup,
      servicePort: inputs.service_port,
      deletionProtection: inputs.deletion_protection,
    });
    this.restApi = new RestApiFromOpenApi(this, 'RestApi', {
      restApiName: `taskboard-${inputs.environment_name}`,
      document: props.openApi,
      userPool: this.users.userPool,
      target: {
        vpcLinkId: this.loadBalancer.vpcLink.attrVpcLinkId,
        loadBalancerArn: this.loadBalancer.loadBalancer.loadBalancerArn,
        loadBalancerDnsName: this.loadBalancer.loadBalancer.loadBalancerDnsName,
      },
      corsAllowedOrigins: inputs.cors_allowed_origins,
      stageName: inputs.api_stage_name,
      throttlingRateLimit: inputs.api_throttle_rate_limit,
      throttlingBurstLimit: inputs.api_throttle_burst_limit,
      accessLogRetention: inputs.log_retention_days as logs.RetentionDays,
    });

    if (inputs.waf_enabled) {
      this.webAcl = new ApiRateLimitWebAcl(this, 'ApiWebAcl', {
        stage: this.restApi.api.deploymentStage,
        rateLimit: inputs.waf_rate_limit,
        evaluationWindowSeconds: inputs.waf_rate_limit_window_seconds,
        name: `taskboard-${inputs.environment_name}`,
      });
    }

    const appSubnets = vpc.selectSubnets(this.network.appSubnets);
    const outputs: Record<EnvironmentOutputName, string> = {
      VpcId: vpc.vpcId,
      AvailabilityZones: Fn.join(',', appSubnets.availabilityZones),
      PrivateAppSubnetIds: Fn.join(',', appSubnets.subnetIds),
      InstanceSecurityGroupId: this.instanceSecurityGroup.securityGroupId,
      ServicePort: String(inputs.service_port),
      // The master user's secret: read only by the service's migration runner role.
      DatabaseSecretArn: this.database.secret.secretArn,
      // The api's DML-only user (multi-user rotation): the one secret the service instances read.
      DatabaseAppSecretArn: this.database.appSecret.secretArn,
      DatabaseEndpoint: this.database.instance.dbInstanceEndpointAddress,
      DatabasePort: this.database.instance.dbInstanceEndpointPort,
      UserPoolId: this.users.userPool.userPoolId,
      UserPoolClientId: this.users.client.userPoolClientId,
      UserPoolIssuerUrl: this.users.issuerUrl,
      ApiUrl: this.restApi.api.url,
      ApiId: this.restApi.api.restApiId,
      // The service's API_STAGE_PREFIX: API Gateway may put /<stage> before every path it sends.
      ApiStageName: this.restApi.api.deploymentStage.stageName,
      AlbListenerArn: this.loadBalancer.listener.listenerArn,
      AlbSecurityGroupId: this.loadBalancer.securityGroup.securityGroupId,
      LoadBalancerFullName: this.loadBalancer.loadBalancer.loadBalancerFullName,
      CorsAllowedOrigins: inputs.cors_allowed_origins.join(',') || 'none',
    };
    for (const [name, value] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, exportName: `${this.stackName}-${name}` });
    }

    suppressAcceptedFindings(this, inputs);
  }
}
