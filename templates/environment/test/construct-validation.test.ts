// Constructors reject impossible props with precise errors (no synthesis needed).
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import t from 'tap';
import { Database } from '../v1/infrastructure/database.ts';
import { InternalLoadBalancer } from '../v1/infrastructure/internal-load-balancer.ts';
import { Network } from '../v1/infrastructure/network.ts';
import { parseOpenApiDocument } from '../v1/infrastructure/openapi-document.ts';
import { RestApiFromOpenApi } from '../v1/infrastructure/rest-api-from-openapi.ts';
import { UserDirectory } from '../v1/infrastructure/user-directory.ts';

function stack(): Stack {
  return new Stack(undefined, 'Test', { env: { region: 'eu-west-1' } });
}

t.test('Network rejects a non-/16 range, a NAT count out of range, and no egress at all', async (t) => {
  t.throws(() => new Network(stack(), 'N', { cidr: '10.0.0.0/24' }), {
    message: 'Network: cidr must be a /16, got "10.0.0.0/24"',
  });
  t.throws(() => new Network(stack(), 'N', { natGateways: 3 }), {
    message: 'Network: natGateways must be 0, 1 or 2, got 3',
  });
  t.throws(() => new Network(stack(), 'N', { natGateways: 0 }), { message: /interfaceEndpoints must be true/ });
});

t.test('Network without NAT makes the application subnets isolated and relies on endpoints', async (t) => {
  const network = new Network(stack(), 'N', { natGateways: 0, interfaceEndpoints: true });
  t.equal(network.vpc.isolatedSubnets.length, 4);
  t.equal(network.interfaceEndpoints.size, 5);
});

t.test('Database rejects storage ceilings below the allocation and out-of-range retention', async (t) => {
  const s = stack();
  const vpc = new ec2.Vpc(s, 'Vpc');
  const clientSecurityGroup = new ec2.SecurityGroup(s, 'Sg', { vpc });
  const base = { vpc, subnets: {}, rotationSubnets: {}, clientSecurityGroup };
  t.throws(() => new Database(s, 'D1', { ...base, allocatedStorageGib: 50, maxAllocatedStorageGib: 20 }), {
    message: 'Database: maxAllocatedStorageGib (20) must be at least allocatedStorageGib (50)',
  });
  t.throws(() => new Database(s, 'D2', { ...base, backupRetentionDays: 0 }), {
    message: 'Database: backupRetentionDays must be 1-35, got 0',
  });
});

t.test('Database rejects an app user the multi-user rotation could not alternate, or the master user', async (t) => {
  const s = stack();
  const vpc = new ec2.Vpc(s, 'Vpc');
  const clientSecurityGroup = new ec2.SecurityGroup(s, 'Sg', { vpc });
  const base = { vpc, subnets: {}, rotationSubnets: {}, clientSecurityGroup };
  // The rotation function names the second user `<user>_clone` and strips the suffix to go back.
  t.throws(() => new Database(s, 'D3', { ...base, appUsername: 'api_clone' }), { message: /not ending in _clone/ });
  t.throws(() => new Database(s, 'D4', { ...base, appUsername: 'Api-User' }), { message: /got "Api-User"/ });
  t.throws(() => new Database(s, 'D5', { ...base, appUsername: 'taskboard' }), {
    message: 'Database: appUsername must differ from the master user "taskboard"',
  });
  t.equal(new Database(s, 'D6', { ...base, appUsername: 'orders_api' }).appUsername, 'orders_api');
});

t.test('InternalLoadBalancer rejects an invalid service port', async (t) => {
  const s = stack();
  const vpc = new ec2.Vpc(s, 'Vpc');
  const instanceSecurityGroup = new ec2.SecurityGroup(s, 'Sg', { vpc });
  t.throws(() => new InternalLoadBalancer(s, 'L', { vpc, subnets: {}, instanceSecurityGroup, servicePort: 70000 }), {
    message: 'InternalLoadBalancer: servicePort must be a TCP port, got 70000',
  });
});

t.test('UserDirectory rejects password lengths Cognito does not accept', async (t) => {
  t.throws(() => new UserDirectory(stack(), 'U', { passwordMinLength: 6 }), {
    message: 'UserDirectory: passwordMinLength must be 8-99, got 6',
  });
});

// "AccessTokenValidity duration can range from five minutes to one day" (and the same for ID tokens):
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html
t.test('UserDirectory rejects token lifetimes outside Cognito range of 5 minutes to 1 day', async (t) => {
  t.throws(() => new UserDirectory(stack(), 'U', { accessTokenValidity: Duration.minutes(4) }), {
    message: 'UserDirectory: accessTokenValidity must be 5 minutes to 1 day, got 4 minutes',
  });
  t.throws(() => new UserDirectory(stack(), 'U', { idTokenValidity: Duration.hours(25) }), {
    message: 'UserDirectory: idTokenValidity must be 5 minutes to 1 day, got 1 day 1 hour',
  });
  t.doesNotThrow(() => new UserDirectory(stack(), 'U', { accessTokenValidity: Duration.minutes(5) }), 'the minimum');
  t.doesNotThrow(() => new UserDirectory(stack(), 'U', { accessTokenValidity: Duration.days(1) }), 'the maximum');
});

t.test('RestApiFromOpenApi rejects an empty document and wildcard origins', async (t) => {
  const s = stack();
  const userPool = new cognito.UserPool(s, 'Pool');
  const target = { vpcLinkId: 'v', loadBalancerArn: 'arn', loadBalancerDnsName: 'alb.internal' };
  const empty = parseOpenApiDocument({ openapi: '3.1.0', paths: {} }, 'x');
  t.throws(() => new RestApiFromOpenApi(s, 'A', { restApiName: 'a', document: empty, userPool, target }), {
    message: 'RestApiFromOpenApi: the OpenAPI document has no operations',
  });
  const one = parseOpenApiDocument({ openapi: '3.1.0', paths: { '/a': { get: { operationId: 'a' } } } }, 'x');
  t.throws(
    () =>
      new RestApiFromOpenApi(s, 'B', { restApiName: 'b', document: one, userPool, target, corsAllowedOrigins: ['*'] }),
    { message: 'RestApiFromOpenApi: corsAllowedOrigins entry "*" must be scheme://host[:port]' },
  );
});
