// METRICS_EXPORTER, METRICS_EMF_ENDPOINT, METRICS_FLUSH_SECONDS, METRICS_EMF_LOG_GROUP and OTEL_SERVICE_NAME
// (the Service dimension): parsed at start-up, a bad value stops the process with a message naming the variable.
import t from 'tap';
import { ConfigError, loadAppConfig } from '../src/config.ts';

const valid = {
  DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
  AUTH_ISSUERS: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_CLIENT_IDS: 'client1',
};

t.test('defaults: stdout locally, none under NODE_ENV=test, the agent default endpoint, 60 s', async (t) => {
  const config = loadAppConfig(valid).metrics;
  t.equal(config?.exporter, 'stdout');
  t.equal(config?.emfEndpoint.href, 'tcp://127.0.0.1:25888');
  t.equal(config?.flushSeconds, 60);
  t.equal(config?.serviceName, 'taskboard-api');
  t.equal(config?.emfLogGroup, undefined, 'no log group named: the agent picks its default');
  t.equal(loadAppConfig({ ...valid, NODE_ENV: 'test' }).metrics?.exporter, 'none');
  t.equal(loadAppConfig({ ...valid, NODE_ENV: 'production' }).metrics?.exporter, 'stdout');
});

t.test('set values are taken', async (t) => {
  const config = loadAppConfig({
    ...valid,
    NODE_ENV: 'test',
    METRICS_EXPORTER: 'emf-agent',
    METRICS_EMF_ENDPOINT: 'tcp://10.0.0.5:25999',
    METRICS_FLUSH_SECONDS: '10',
    OTEL_SERVICE_NAME: 'taskboard-api-staging',
    METRICS_EMF_LOG_GROUP: '/taskboard/taskboard-api-staging/api-metrics',
  }).metrics;
  t.equal(config?.exporter, 'emf-agent');
  t.equal(config?.emfEndpoint.hostname, '10.0.0.5');
  t.equal(config?.emfEndpoint.port, '25999');
  t.equal(config?.flushSeconds, 10);
  t.equal(config?.serviceName, 'taskboard-api-staging');
  t.equal(config?.emfLogGroup, '/taskboard/taskboard-api-staging/api-metrics');
  t.equal(loadAppConfig({ ...valid, METRICS_EMF_LOG_GROUP: 'a'.repeat(512) }).metrics?.emfLogGroup?.length, 512);
  t.equal(loadAppConfig({ ...valid, METRICS_EMF_ENDPOINT: 'tcp://[::1]:25888/' }).metrics?.emfEndpoint.port, '25888');
});

t.test('malformed values stop start-up naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ METRICS_EXPORTER: 'otlp' }, /^METRICS_EXPORTER must be one of emf-agent, stdout, none, got "otlp"$/],
    [{ METRICS_EMF_ENDPOINT: 'udp://127.0.0.1:25888' }, /^METRICS_EMF_ENDPOINT must be tcp:\/\/host:port/],
    [{ METRICS_EMF_ENDPOINT: 'tcp://127.0.0.1' }, /^METRICS_EMF_ENDPOINT must be tcp:\/\/host:port/],
    [{ METRICS_EMF_ENDPOINT: 'tcp://127.0.0.1:25888/path' }, /^METRICS_EMF_ENDPOINT must be tcp:\/\/host:port/],
    [{ METRICS_EMF_ENDPOINT: 'not a url' }, /^METRICS_EMF_ENDPOINT must be tcp:\/\/host:port, got "not a url"$/],
    [{ METRICS_FLUSH_SECONDS: '0' }, /^METRICS_FLUSH_SECONDS must be between 1 and 3600, got 0$/],
    [{ METRICS_FLUSH_SECONDS: '1.5' }, /^METRICS_FLUSH_SECONDS must be a whole number/],
    [{ OTEL_SERVICE_NAME: 'taskboard api' }, /^OTEL_SERVICE_NAME must be 1-255 letters/],
    // Log group names: 1-512 of a-z, A-Z, 0-9, _ - / . (CloudWatch Logs CreateLogGroup)
    // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    [
      { METRICS_EMF_LOG_GROUP: 'taskboard metrics' },
      /^METRICS_EMF_LOG_GROUP must be a log group name .*"taskboard metrics"$/,
    ],
    [{ METRICS_EMF_LOG_GROUP: 'taskboard:metrics' }, /^METRICS_EMF_LOG_GROUP must be a log group name/],
    [{ METRICS_EMF_LOG_GROUP: 'a'.repeat(513) }, /^METRICS_EMF_LOG_GROUP must be a log group name/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadAppConfig({ ...valid, ...env }), { name: 'ConfigError', message }, JSON.stringify(env));
  }
  t.ok(new ConfigError('x') instanceof Error);
});
