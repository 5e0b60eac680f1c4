// Assertions on the synthesized example specs: one subtest per requirement of the environment template.
// Verified only at this boundary: CDK assertions and cdk-nag on the synthesized CloudFormation.
// No stack is deployed; that AWS accepts and runs it is checked only by a real `cdk deploy`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import t from 'tap';
import { ENVIRONMENT_OUTPUTS } from '../v1/infrastructure/environment-stack.ts';
import { INTERFACE_ENDPOINT_SERVICES } from '../v1/infrastructure/network.ts';
import { UserDirectory } from '../v1/infrastructure/user-directory.ts';
import { resourcesOfType, synthesizeExample } from './helpers/synthesized-environment.ts';

const dev = synthesizeExample('dev');
const prod = synthesizeExample('prod');

function logicalIdOf(json: typeof dev.json, type: string, predicate: (p: Record<string, unknown>) => boolean): string {
  const match = resourcesOfType(json, type).find(([, properties]) => predicate(properties));
  if (!match) throw new Error(`no ${type} matches`);
  return match[0];
}

t.test('every example spec synthesizes to a CloudFormation template in its own assembly folder', async (t) => {
  for (const synthesized of [dev, prod]) {
    t.ok(existsSync(synthesized.templateFile), synthesized.templateFile);
    t.match(synthesized.assemblyDir, new RegExp(`${synthesized.stackName}$`));
  }
  t.equal(dev.stackName, 'taskboard-dev');
  t.equal(prod.stackName, 'taskboard-prod');
});

t.test('VPC spans two AZs with public, private application and isolated database subnets', async (t) => {
  dev.template.resourceCountIs('AWS::EC2::VPC', 1);
  dev.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
  const subnets = resourcesOfType(dev.json, 'AWS::EC2::Subnet').map(([id, p]) => [id, p.CidrBlock]);
  t.same(subnets.map(([, cidr]) => cidr).sort(), [
    '10.0.0.0/24',
    '10.0.1.0/24',
    '10.0.2.0/24',
    '10.0.3.0/24',
    '10.0.4.0/24',
    '10.0.5.0/24',
  ]);
  t.equal(subnets.filter(([id]) => String(id).includes('public')).length, 2);
  t.equal(subnets.filter(([id]) => String(id).includes('app')).length, 2);
  t.equal(subnets.filter(([id]) => String(id).includes('database')).length, 2);
});

t.test('the first private application subnet is exactly 10.0.2.0/24', async (t) => {
  const [, first] = resourcesOfType(dev.json, 'AWS::EC2::Subnet').find(([id]) => id.includes('appSubnet1'))!;
  t.equal(first.CidrBlock, '10.0.2.0/24');
  t.equal(first.MapPublicIpOnLaunch, false);
});

t.test('database subnets are isolated: their route tables have no default route', async (t) => {
  const databaseTables = resourcesOfType(dev.json, 'AWS::EC2::RouteTable')
    .map(([id]) => id)
    .filter((id) => id.includes('database'));
  t.equal(databaseTables.length, 2);
  for (const [, route] of resourcesOfType(dev.json, 'AWS::EC2::Route')) {
    t.notOk(databaseTables.includes((route.RouteTableId as { Ref: string }).Ref), 'no route out of a database subnet');
  }
});

t.test('VPC flow logs record all traffic to CloudWatch Logs', async () => {
  dev.template.hasResourceProperties('AWS::EC2::FlowLog', {
    ResourceType: 'VPC',
    TrafficType: 'ALL',
    LogDestinationType: 'cloud-watch-logs',
  });
  prod.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
});

t.test('egress is chosen by the spec: dev has one NAT gateway and no interface endpoints', async () => {
  dev.template.resourceCountIs('AWS::EC2::NatGateway', 1);
  dev.template.resourceCountIs('AWS::EC2::VPCEndpoint', 1); // the free S3 gateway endpoint
  dev.template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
});

t.test('egress is chosen by the spec: prod has a NAT gateway per AZ and the five interface endpoints', async (t) => {
  prod.template.resourceCountIs('AWS::EC2::NatGateway', 2);
  const interfaces = resourcesOfType(prod.json, 'AWS::EC2::VPCEndpoint').filter(
    ([, p]) => p.VpcEndpointType === 'Interface',
  );
  t.equal(interfaces.length, Object.keys(INTERFACE_ENDPOINT_SERVICES).length);
  const services = JSON.stringify(interfaces.map(([, p]) => p.ServiceName));
  for (const service of ['secretsmanager', 'ssm', 'ssmmessages', 'ec2messages', 'logs']) {
    t.match(services, new RegExp(`\\.${service}"`), service);
  }
  for (const [, p] of interfaces) t.equal(p.PrivateDnsEnabled, true);
});

t.test('interface endpoints admit HTTPS only from the instance and rotation security groups', async (t) => {
  const instanceSg = logicalIdOf(
    prod.json,
    'AWS::EC2::SecurityGroup',
    (p) => p.GroupDescription === 'Taskboard service instances',
  );
  const endpointIngress = resourcesOfType(prod.json, 'AWS::EC2::SecurityGroupIngress').filter(([, p]) =>
    JSON.stringify(p.GroupId).match(/SecretsManager|Ssm|Ec2Messages|CloudWatchLogs/),
  );
  t.equal(endpointIngress.length, 10, 'two sources for each of five endpoints');
  for (const [, p] of endpointIngress) {
    t.equal(p.FromPort, 443);
    t.notOk(p.CidrIp, 'no CIDR sources');
  }
  t.ok(endpointIngress.some(([, p]) => JSON.stringify(p.SourceSecurityGroupId).includes(instanceSg)));
});

t.test('RDS subnet group uses the isolated database subnets', async (t) => {
  const group = resourcesOfType(dev.json, 'AWS::RDS::DBSubnetGroup')[0]![1];
  const ids = JSON.stringify(group.SubnetIds);
  t.match(ids, /databaseSubnet1/);
  t.match(ids, /databaseSubnet2/);
  t.notMatch(ids, /appSubnet|publicSubnet/);
});

t.test('RDS parameter group sets UTC, UTF8, forced TLS and slow query logging', async () => {
  dev.template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
    Family: 'postgres18',
    Parameters: {
      timezone: 'UTC',
      client_encoding: 'UTF8',
      'rds.force_ssl': '1',
      log_min_duration_statement: '500',
    },
  });
});

t.test('RDS storage is encrypted', async () => {
  for (const { template } of [dev, prod]) {
    template.hasResourceProperties('AWS::RDS::DBInstance', { StorageEncrypted: true, StorageType: 'gp3' });
  }
});

t.test('RDS backup retention defaults to 7 days and follows the spec', async () => {
  dev.template.hasResourceProperties('AWS::RDS::DBInstance', { BackupRetentionPeriod: 7 });
  prod.template.hasResourceProperties('AWS::RDS::DBInstance', { BackupRetentionPeriod: 14 });
});

t.test('RDS Multi-AZ is off in the dev spec and on in the prod spec', async () => {
  dev.template.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: false });
  prod.template.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true });
});

t.test('RDS deletion protection is on in prod and the instance is snapshotted on delete', async () => {
  prod.template.hasResource('AWS::RDS::DBInstance', {
    Properties: Match.objectLike({ DeletionProtection: true }),
    DeletionPolicy: 'Snapshot',
  });
  dev.template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: false });
});

t.test('RDS is not publicly accessible and exports its logs', async () => {
  dev.template.hasResourceProperties('AWS::RDS::DBInstance', {
    PubliclyAccessible: false,
    EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
  });
});

t.test(
  'database credentials are generated into Secrets Manager and rotated by a hosted single-user rotation',
  async (t) => {
    dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: '{"username":"taskboard"}',
      }),
    });
    dev.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser' }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    t.ok(JSON.stringify(dev.json).includes('AWS::SecretsManager-2024-09-16'), 'hosted rotation transform');
  },
);

// The api's own user, rotated with alternating users:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html#rotating-secrets-two-users
// (the function clones `<user>` as `<user>_clone` with the master secret named by `masterarn`, then
// alternates; whichever version the api reads stays valid until the rotation after next) and
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-rotationschedule-hostedrotationlambda.html
// (MasterSecretArn is required for the multi-user rotation types).
t.test('the api has its own secret, rotated with alternating users through the master secret', async (t) => {
  const master = logicalIdOf(dev.json, 'AWS::SecretsManager::SecretTargetAttachment', (p) =>
    JSON.stringify(p.SecretId).includes('DatabaseInstanceSecret'),
  );
  const appSecret = logicalIdOf(dev.json, 'AWS::SecretsManager::Secret', (p) =>
    JSON.stringify(p.GenerateSecretString).includes('taskboard_app'),
  );
  const app = logicalIdOf(
    dev.json,
    'AWS::SecretsManager::SecretTargetAttachment',
    (p) => (p.SecretId as { Ref?: string }).Ref === appSecret,
  );
  dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
    GenerateSecretString: Match.objectLike({
      GenerateStringKey: 'password',
      SecretStringTemplate: { 'Fn::Join': ['', ['{"username":"taskboard_app","masterarn":"', { Ref: master }, '"}']] },
    }),
  });
  // Attached to the instance, so Secrets Manager adds host, port, dbname and engine (the RDS format the api parses).
  dev.template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
    SecretId: { Ref: appSecret },
    TargetType: 'AWS::RDS::DBInstance',
  });
  dev.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    SecretId: { Ref: app },
    HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLMultiUser', MasterSecretArn: { Ref: master } }),
    RotationRules: { ScheduleExpression: 'rate(30 days)' },
    // The function must log in as the current user first; that role exists only after the first
    // service deploy has run the migration runner, so no rotation when the stack is created.
    RotateImmediatelyOnUpdate: false,
  });
  dev.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    SecretId: { Ref: master },
    HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser' }),
  });
  dev.template.hasOutput('DatabaseAppSecretArn', { Value: { Ref: app } });
  dev.template.hasOutput('DatabaseSecretArn', { Value: { Ref: master } });
  t.pass('app secret, its rotation and both outputs are in the template');
});

t.test(
  'the database security group allows 5432 only from the service instances (and the rotation function)',
  async (t) => {
    const databaseSg = logicalIdOf(dev.json, 'AWS::EC2::SecurityGroup', (p) =>
      String(p.GroupDescription).startsWith('Taskboard database:'),
    );
    const instanceSg = logicalIdOf(
      dev.json,
      'AWS::EC2::SecurityGroup',
      (p) => p.GroupDescription === 'Taskboard service instances',
    );
    const rotationSg = logicalIdOf(dev.json, 'AWS::EC2::SecurityGroup', (p) =>
      String(p.GroupDescription).startsWith('Taskboard database secret rotation'),
    );
    const rules = resourcesOfType(dev.json, 'AWS::EC2::SecurityGroupIngress').filter(([, p]) =>
      JSON.stringify(p.GroupId).includes(databaseSg),
    );
    t.same(
      rules
        .map(([, p]) => [
          p.FromPort,
          p.ToPort,
          (p.SourceSecurityGroupId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
        ])
        .sort(),
      [
        [5432, 5432, instanceSg],
        [5432, 5432, rotationSg],
      ].sort(),
    );
    const [, group] = resourcesOfType(dev.json, 'AWS::EC2::SecurityGroup').find(([id]) => id === databaseSg)!;
    t.notOk(group.SecurityGroupIngress, 'no inline (CIDR) ingress');
  },
);

t.test('the instance security group is created by the environment and exported for the service', async () => {
  const instanceSg = logicalIdOf(
    dev.json,
    'AWS::EC2::SecurityGroup',
    (p) => p.GroupDescription === 'Taskboard service instances',
  );
  dev.template.hasOutput('InstanceSecurityGroupId', {
    Value: { 'Fn::GetAtt': [instanceSg, 'GroupId'] },
    Export: { Name: 'taskboard-dev-InstanceSecurityGroupId' },
  });
});

t.test('Cognito password policy requires length and complexity', async () => {
  dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
    Policies: {
      PasswordPolicy: Match.objectLike({
        MinimumLength: 12,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      }),
    },
  });
  prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
    Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14 }) },
  });
});

t.test('Cognito MFA is optional in dev and required in prod (TOTP)', async () => {
  dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
    MfaConfiguration: 'OPTIONAL',
    EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
  });
  prod.template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
});

t.test('Cognito verifies email, recovers accounts by email and follows the self sign-up parameter', async () => {
  dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
    AutoVerifiedAttributes: ['email'],
    AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
  });
  prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
  });
});

t.test(
  'Cognito app client has no secret, SRP and refresh flows, no OAuth grants, and the token lifetimes of the spec',
  async (t) => {
    prod.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      // ADMIN_USER_PASSWORD_AUTH: only callers with IAM credentials (AdminInitiateAuth), for docs/first-deploy.md.
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 43200,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      PreventUserExistenceErrors: 'ENABLED',
    });
    const [client] = Object.values(prod.template.findResources('AWS::Cognito::UserPoolClient'));
    const properties = (client as { Properties: Record<string, unknown> }).Properties;
    t.notOk(properties.AllowedOAuthFlows, 'no implicit or code grant');
    t.notOk(properties.CallbackURLs, 'no redirect target');
  },
);

// Issue 14.3 (revocation): the api verifies tokens itself, so a disabled or deleted user, a revoked
// refresh token or a group change takes effect when the access tokens issued before it expire; by
// default that is 15 minutes, well above Cognito's minimum of 5 ("AccessTokenValidity duration can
// range from five minutes to one day":
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html).
// With token revocation on, RevokeToken/GlobalSignOut stop the refresh token from minting new ones
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html).
t.test('tokens live 15 minutes (construct default, both example specs) and refresh tokens can be revoked', async () => {
  const stack = new Stack(undefined, 'Users', { env: { region: 'eu-west-1' } });
  new UserDirectory(stack, 'Users');
  Template.fromStack(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
    AccessTokenValidity: 15,
    IdTokenValidity: 15,
    EnableTokenRevocation: true,
  });
  dev.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
    AccessTokenValidity: 15,
    IdTokenValidity: 15,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes' },
    EnableTokenRevocation: true,
  });
  prod.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { EnableTokenRevocation: true });
});

t.test('Cognito has an admin group', async () => {
  dev.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
});

t.test('the internal ALB sits in the application subnets and admits only the VPC link', async (t) => {
  dev.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
    Scheme: 'internal',
    Type: 'application',
    Subnets: [{ Ref: Match.stringLikeRegexp('appSubnet1') }, { Ref: Match.stringLikeRegexp('appSubnet2') }],
    LoadBalancerAttributes: Match.arrayWith([
      { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      { Key: 'access_logs.s3.enabled', Value: 'true' },
    ]),
  });
  dev.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 80,
    Protocol: 'HTTP',
    DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
  });
  const albSg = logicalIdOf(dev.json, 'AWS::EC2::SecurityGroup', (p) =>
    String(p.GroupDescription).startsWith('Internal ALB'),
  );
  const linkSg = logicalIdOf(
    dev.json,
    'AWS::EC2::SecurityGroup',
    (p) => p.GroupDescription === 'API Gateway VPC link ENIs',
  );
  const ingress = resourcesOfType(dev.json, 'AWS::EC2::SecurityGroupIngress').filter(([, p]) =>
    JSON.stringify(p.GroupId).includes(albSg),
  );
  t.equal(ingress.length, 1);
  t.match(JSON.stringify(ingress[0]![1].SourceSecurityGroupId), linkSg);
});

t.test('a VPC link V2 connects API Gateway to the application subnets', async () => {
  dev.template.hasResourceProperties('AWS::ApiGatewayV2::VpcLink', {
    SubnetIds: [{ Ref: Match.stringLikeRegexp('appSubnet1') }, { Ref: Match.stringLikeRegexp('appSubnet2') }],
  });
  dev.template.resourceCountIs('AWS::ApiGateway::VpcLink', 0); // no legacy V1 link
});

t.test('stack outputs include everything the service template consumes', async (t) => {
  const outputs = dev.json.Outputs ?? {};
  t.same(Object.keys(outputs).sort(), [...ENVIRONMENT_OUTPUTS].sort());
  for (const name of ENVIRONMENT_OUTPUTS) {
    t.same(outputs[name]!.Export, { Name: `taskboard-dev-${name}` }, name);
  }
  dev.template.hasOutput('UserPoolIssuerUrl', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'ProviderURL'] } });
  dev.template.hasOutput('ServicePort', { Value: '3000' });
});

t.test('cdk-nag AwsSolutions reports no unsuppressed errors or warnings', async (t) => {
  for (const synthesized of [dev, prod]) {
    const report = new AwsSolutionsChecks().validateScope(synthesized.stack);
    t.same(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`),
      [],
      synthesized.stackName,
    );
    const written = JSON.parse(readFileSync(join(synthesized.assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations?: unknown[] }>;
    };
    t.same(
      written.pluginReports.flatMap((report) => report.violations ?? []),
      [],
      'the synthesis-time report has no violations',
    );
  }
});

t.test('every cdk-nag acknowledgement carries a reason', async (t) => {
  const acknowledgements: Array<{ id: string; reason: unknown }> = [];
  for (const construct of prod.stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>))
        acknowledgements.push({ id, reason });
    }
  }
  t.ok(acknowledgements.length > 0);
  for (const { id, reason } of acknowledgements) {
    t.ok(typeof reason === 'string' && reason.length > 40, `${id} has a reason`);
  }
  t.notOk(
    acknowledgements.some(({ id }) => /RDS3|RDS10|COG2/.test(id)),
    'prod turns Multi-AZ, deletion protection and MFA on, so nothing about them is acknowledged',
  );
});
