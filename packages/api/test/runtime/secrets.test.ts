/**
 * Secrets Manager credentials. The AWS SDK is replaced at its boundary (aws-sdk-client-mock on
 * SecretsManagerClient): the exact GetSecretValue requests are asserted here, while the real
 * credential chain, signing and endpoint are not exercised. IMDSv2 is a loopback fake.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import t from 'tap';
import { connectionUrl, paramsFromUrl, staticCredentials } from '../../src/db/credentials.ts';
import {
  credentialsFromConfig,
  parseRdsSecret,
  regionFromInstanceMetadata,
  secretsManagerCredentials,
} from '../../src/db/secrets.ts';
import { testConfig } from '../helpers/stack.ts';

const SECRET_ID = 'taskboard/prod/db';
const PASSWORD = 'p@ss/w:rd%?#1';
const secret = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    engine: 'postgres',
    host: 'db.abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    username: 'taskboard_app',
    password: PASSWORD,
    dbname: 'taskboard',
    ...overrides,
  });

t.test('reads, caches and refreshes the RDS secret with one request per read', async (t) => {
  const sm = mockClient(SecretsManagerClient);
  t.teardown(() => sm.restore());
  sm.on(GetSecretValueCommand)
    .resolvesOnce({ SecretString: secret() })
    .resolves({ SecretString: secret({ password: 'new' }) });
  const provider = secretsManagerCredentials({ secretId: SECRET_ID, region: 'eu-west-1' });
  t.equal(provider.cached(), undefined);
  const first = await provider.current();
  t.same(first, {
    user: 'taskboard_app',
    password: PASSWORD,
    host: 'db.abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    database: 'taskboard',
  });
  await provider.current();
  t.equal(sm.commandCalls(GetSecretValueCommand).length, 1, 'cached');
  // Concurrent refreshes share one read.
  const [a, b] = await Promise.all([provider.refresh(), provider.refresh()]);
  t.equal(a.password, 'new');
  t.equal(b, a);
  const calls = sm.commandCalls(GetSecretValueCommand);
  t.equal(calls.length, 2);
  for (const call of calls) t.same(call.args[0].input, { SecretId: SECRET_ID });
  t.equal(await sm.call(0).thisValue.config.region(), 'eu-west-1');
  t.equal(provider.source, `Secrets Manager secret "${SECRET_ID}"`);
});

t.test('the connection URL encodes every part and round-trips', async (t) => {
  const params = parseRdsSecret(SECRET_ID, secret({ username: 'app@x', dbname: 'db/1' }));
  const url = connectionUrl(params);
  t.notMatch(url, PASSWORD, 'password is encoded');
  t.same(paramsFromUrl(url), params);
  t.same(paramsFromUrl(connectionUrl({ ...params, host: '::1' })).host, '::1');
  t.same(await staticCredentials(url).refresh(), params);
});

t.test('a missing, unreadable or malformed secret names the secret and the problem, never the value', async (t) => {
  const cases: { readonly value: Record<string, unknown> | string | undefined; readonly message: RegExp }[] = [
    { value: undefined, message: /has no SecretString/ },
    { value: '{not json', message: /is not JSON/ },
    { value: '[1]', message: /is not a JSON object/ },
    { value: secret({ password: undefined }), message: /field "password" is missing/ },
    { value: secret({ username: 7 }), message: /field "username" is missing or not a non-empty string/ },
    { value: secret({ host: '' }), message: /field "host"/ },
    { value: secret({ port: 'eighty' }), message: /field "port" is not a port number/ },
    { value: secret({ port: 70000 }), message: /field "port"/ },
    { value: secret({ dbname: 3 }), message: /field "dbname"/ },
    { value: secret({ engine: 'mysql' }), message: /engine must be postgres/ },
  ];
  for (const { value, message } of cases) {
    const text = typeof value === 'string' || value === undefined ? value : JSON.stringify(value);
    t.throws(() => parseRdsSecret(SECRET_ID, text), { name: 'SecretError', message });
    t.throws(() => parseRdsSecret(SECRET_ID, text), { message: new RegExp(`^Secrets Manager secret "${SECRET_ID}"`) });
    t.throws(() => parseRdsSecret(SECRET_ID, text), { message: /^(?!.*p@ss)/ });
  }
  t.same(parseRdsSecret(SECRET_ID, secret({ port: '6543', dbname: undefined, engine: undefined })), {
    user: 'taskboard_app',
    password: PASSWORD,
    host: 'db.abc.eu-west-1.rds.amazonaws.com',
    port: 6543,
    database: 'postgres',
  });

  const sm = mockClient(SecretsManagerClient);
  t.teardown(() => sm.restore());
  const failures: { readonly name: string; readonly message: RegExp }[] = [
    { name: 'ResourceNotFoundException', message: /does not exist/ },
    { name: 'AccessDeniedException', message: /access denied/ },
    { name: 'DecryptionFailure', message: /cannot be decrypted/ },
    { name: 'ThrottlingException', message: /cannot be read: ThrottlingException/ },
  ];
  for (const { name, message } of failures) {
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error(`${name} happened`), { name }));
    const provider = secretsManagerCredentials({ secretId: SECRET_ID, region: 'eu-west-1' });
    await t.rejects(provider.current(), { name: 'SecretError', message });
    t.equal(provider.cached(), undefined);
  }
});

t.test('credentialsFromConfig picks the secret, else the URL', async (t) => {
  const sm = mockClient(SecretsManagerClient);
  t.teardown(() => sm.restore());
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: secret() });
  const fromSecret = credentialsFromConfig(
    testConfig('unused', { databaseUrl: undefined, databaseSecretId: SECRET_ID, awsRegion: 'eu-west-1' }),
  );
  t.equal((await fromSecret.current()).user, 'taskboard_app');
  const fromUrl = credentialsFromConfig(testConfig('postgresql://a:b@h:1/d'));
  t.equal(fromUrl.source, 'DATABASE_URL');
  t.throws(() => credentialsFromConfig(testConfig('x', { databaseUrl: undefined })), { name: 'ConfigError' });
});

t.test('region from IMDSv2: token first, then the region with the token', async (t) => {
  const seen: string[] = [];
  let answer = 'eu-central-1';
  const imds = createServer((request, response) => {
    seen.push(
      `${request.method} ${request.url} ${JSON.stringify(request.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? request.headers['x-aws-ec2-metadata-token'])}`,
    );
    if (request.method === 'PUT' && request.url === '/latest/api/token') return response.end('tok-1');
    if (
      request.url === '/latest/meta-data/placement/region' &&
      request.headers['x-aws-ec2-metadata-token'] === 'tok-1'
    ) {
      return response.end(answer);
    }
    response.statusCode = 401;
    response.end();
  });
  await new Promise<void>((resolve) => imds.listen(0, '127.0.0.1', resolve));
  t.teardown(() => imds.close());
  const endpoint = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
  t.equal(await regionFromInstanceMetadata({ endpoint }), 'eu-central-1');
  t.same(seen, ['PUT /latest/api/token "60"', 'GET /latest/meta-data/placement/region "tok-1"']);
  answer = '<html>';
  await t.rejects(regionFromInstanceMetadata({ endpoint }), { name: 'ConfigError', message: /AWS_REGION is not set/ });
  await t.rejects(regionFromInstanceMetadata({ endpoint: 'http://127.0.0.1:1', timeoutMs: 500 }), {
    message: /instance metadata service did not give the region/,
  });

  // Without a region, the provider asks IMDS before building the client.
  answer = 'ap-southeast-2';
  const sm = mockClient(SecretsManagerClient);
  t.teardown(() => sm.restore());
  sm.on(GetSecretValueCommand).resolves({ SecretString: secret() });
  const provider = secretsManagerCredentials({ secretId: SECRET_ID, instanceMetadata: { endpoint } });
  await provider.current();
  t.equal(await sm.call(0).thisValue.config.region(), 'ap-southeast-2');
});
