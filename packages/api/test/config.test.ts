import t from 'tap';
import { ConfigError, loadServerConfig } from '../src/config.ts';

const valid = {
  DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
  AUTH_ISSUERS: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_CLIENT_IDS: 'client1',
};

t.test('defaults', async (t) => {
  const config = loadServerConfig(valid);
  t.equal(config.port, 3000);
  t.same(config.auth.tokenUse, ['access']);
  t.same(config.corsOrigins, []);
  t.equal(config.databasePoolMax, 10);
  t.equal(config.docs, true);
  t.equal(loadServerConfig({ ...valid, NODE_ENV: 'production' }).docs, false, 'no /docs in production');
  t.equal(loadServerConfig({ ...valid, NODE_ENV: 'production', DOCS_ENABLED: 'true' }).docs, true);
});

t.test('a missing or malformed variable is named, a secret is never echoed', async (t) => {
  const cases: { readonly env: Record<string, string | undefined>; readonly message: RegExp }[] = [
    {
      env: { ...valid, DATABASE_URL: undefined },
      message: /DATABASE_URL is required but not set \(or set DATABASE_SECRET_ID\)/,
    },
    { env: { ...valid, DATABASE_URL: 'not a url with secret-password' }, message: /^DATABASE_URL is not a valid URL$/ },
    { env: { ...valid, DATABASE_URL: 'mysql://u:p@h/d' }, message: /DATABASE_URL must start with postgresql/ },
    { env: { ...valid, AUTH_ISSUERS: '' }, message: /AUTH_ISSUERS is required/ },
    { env: { ...valid, AUTH_ISSUERS: 'ftp://x' }, message: /AUTH_ISSUERS must hold http/ },
    { env: { ...valid, AUTH_CLIENT_IDS: undefined }, message: /AUTH_CLIENT_IDS is required/ },
    { env: { ...valid, AUTH_TOKEN_USE: 'refresh' }, message: /AUTH_TOKEN_USE/ },
    { env: { ...valid, PORT: 'eighty' }, message: /PORT must be a whole number/ },
    { env: { ...valid, DATABASE_POOL_MAX: '0' }, message: /DATABASE_POOL_MAX must be between 1 and 500/ },
    { env: { ...valid, DOCS_ENABLED: 'maybe' }, message: /DOCS_ENABLED must be true or false/ },
    { env: { ...valid, LOG_LEVEL: 'loud' }, message: /LOG_LEVEL must be one of/ },
  ];
  for (const { env, message } of cases) {
    t.throws(() => loadServerConfig(env), ConfigError);
    t.throws(() => loadServerConfig(env), { message });
  }
  t.throws(() => loadServerConfig({ ...valid, DATABASE_URL: 'not a url with secret-password' }), {
    message: /^(?!.*secret-password)/,
  });
});

t.test('runtime defaults: drain, deadline, pool, overload thresholds', async (t) => {
  const config = loadServerConfig(valid);
  t.equal(config.drainWindowMs, 20_000);
  t.equal(config.shutdownDeadlineMs, 25_000);
  t.equal(config.databaseConnectTimeoutMs, 5_000);
  t.equal(config.databaseMaxLifetimeSeconds, 900);
  t.equal(config.databaseSecretId, undefined);
  t.equal(config.databaseSslCaFile, undefined);
  t.same(config.overload, {
    maxEventLoopDelayMs: 1_000,
    maxEventLoopUtilization: 0.98,
    maxHeapUsedBytes: 0,
    maxRssBytes: 0,
    retryAfterSeconds: 5,
  });
});

t.test('DATABASE_SECRET_ID replaces DATABASE_URL; region and CA file are read', async (t) => {
  const config = loadServerConfig({
    ...valid,
    DATABASE_URL: undefined,
    DATABASE_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:taskboard/db-AbCdEf',
    AWS_REGION: 'eu-west-1',
    DATABASE_SSL_CA_FILE: '/etc/pki/rds/global-bundle.pem',
    DATABASE_POOL_MAX: '20',
    DRAIN_WINDOW_MS: '1500',
    SHUTDOWN_DEADLINE_MS: '5000',
    OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: '0.9',
  });
  t.equal(config.databaseUrl, undefined);
  t.equal(config.databaseSecretId, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:taskboard/db-AbCdEf');
  t.equal(config.awsRegion, 'eu-west-1');
  t.equal(config.databaseSslCaFile, '/etc/pki/rds/global-bundle.pem');
  t.equal(config.databasePoolMax, 20);
  t.equal(config.drainWindowMs, 1500);
  t.equal(config.shutdownDeadlineMs, 5000);
  t.equal(config.overload?.maxEventLoopUtilization, 0.9);
});

t.test('runtime variables are validated and named', async (t) => {
  const cases: { readonly env: Record<string, string | undefined>; readonly message: RegExp }[] = [
    {
      env: { ...valid, DATABASE_SECRET_ID: 'taskboard/db' },
      message: /DATABASE_URL and DATABASE_SECRET_ID are both set/,
    },
    {
      env: { ...valid, DATABASE_URL: undefined, DATABASE_SECRET_ID: 'bad secret id!' },
      message: /DATABASE_SECRET_ID must be/,
    },
    { env: { ...valid, AWS_REGION: 'Europe' }, message: /AWS_REGION must be a region name/ },
    { env: { ...valid, DRAIN_WINDOW_MS: '-1' }, message: /DRAIN_WINDOW_MS must be a whole number/ },
    { env: { ...valid, SHUTDOWN_DEADLINE_MS: '10' }, message: /SHUTDOWN_DEADLINE_MS must be between 1000 and 600000/ },
    { env: { ...valid, DATABASE_CONNECT_TIMEOUT_MS: '5' }, message: /DATABASE_CONNECT_TIMEOUT_MS must be between/ },
    {
      env: { ...valid, OVERLOAD_MAX_EVENT_LOOP_UTILIZATION: '1.5' },
      message: /OVERLOAD_MAX_EVENT_LOOP_UTILIZATION must be a number from 0 to 1/,
    },
    {
      env: { ...valid, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 'soon' },
      message: /OVERLOAD_MAX_EVENT_LOOP_DELAY_MS must be a whole number/,
    },
  ];
  for (const { env, message } of cases) {
    t.throws(() => loadServerConfig(env), { name: 'ConfigError', message });
  }
});

t.test('API_WORKERS: 1 by default, a number, or auto = one per vCPU; the pool budget is shared', async (t) => {
  const single = loadServerConfig(valid, 8);
  t.equal(single.workers, 1, 'one process unless asked: npm start, tests and the benchmark');
  t.equal(single.databasePoolMax, 10);
  t.equal(single.databasePoolBudget, 10);
  t.equal(loadServerConfig({ ...valid, API_WORKERS: 'auto' }, 4).workers, 4);
  t.equal(loadServerConfig({ ...valid, API_WORKERS: ' AUTO ' }, 2).workers, 2);
  t.equal(loadServerConfig({ ...valid, API_WORKERS: 'auto', DATABASE_POOL_MAX: '128' }, 200).workers, 64, 'at most 64');
  t.equal(loadServerConfig({ ...valid, API_WORKERS: '3' }, 1).workers, 3, 'an explicit number wins over the vCPUs');
  // DATABASE_POOL_MAX stays the instance's budget (docs/capacity.md): each worker gets an equal share.
  const four = loadServerConfig({ ...valid, API_WORKERS: 'auto', DATABASE_POOL_MAX: '10' }, 4);
  t.equal(four.databasePoolMax, 2);
  t.equal(four.databasePoolBudget, 10);
  t.ok(four.databasePoolMax * four.workers <= four.databasePoolBudget, 'never more than the budget');
  t.equal(loadServerConfig({ ...valid, API_WORKERS: '2', DATABASE_POOL_MAX: '2' }, 2).databasePoolMax, 1);
  for (const { env, message } of [
    { env: { ...valid, API_WORKERS: 'all' }, message: /^API_WORKERS must be a whole number or "auto", got "all"$/ },
    { env: { ...valid, API_WORKERS: '0' }, message: /^API_WORKERS must be between 1 and 64, got 0$/ },
    { env: { ...valid, API_WORKERS: '65' }, message: /^API_WORKERS must be between 1 and 64, got 65$/ },
    { env: { ...valid, API_WORKERS: '-1' }, message: /^API_WORKERS must be a whole number or "auto", got "-1"$/ },
    {
      env: { ...valid, API_WORKERS: '4', DATABASE_POOL_MAX: '3' },
      message:
        /^DATABASE_POOL_MAX \(3\) is shared by the 4 API_WORKERS and gives each less than one connection: raise DATABASE_POOL_MAX or lower API_WORKERS$/,
    },
  ]) {
    t.throws(() => loadServerConfig(env, 4), { name: 'ConfigError', message });
  }
});
