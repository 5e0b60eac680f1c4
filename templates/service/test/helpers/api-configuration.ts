import type { ApiConfiguration } from '../../v1/infrastructure/user-data.ts';

/** What the stack hands the api's user data, for tests that build user data or a launch template directly. */
export const EXAMPLE_API_CONFIGURATION: ApiConfiguration = {
  region: 'eu-west-1',
  port: 3000,
  databaseSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  issuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
  clientId: 'client',
  corsOrigins: [],
  logLevel: 'info',
  deregistrationDelaySeconds: 30,
  cloudWatchAgentConfigParameter: 'AmazonCloudWatch-x',
  serviceName: 'taskboard-api-test',
  traceSampleRatio: 0.05,
};
