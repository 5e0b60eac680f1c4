import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  API_ENV_FILE,
  API_LOG_FILE,
  CLOUDWATCH_AGENT_CTL,
  TRUSTED_PROXIES,
  apiUserDataCommands,
} from '../v1/infrastructure/user-data.ts';
import { PACKAGE_DIR } from './helpers/synthesized-service.ts';
import { EXAMPLE_API_CONFIGURATION } from './helpers/api-configuration.ts';

/** The unit the AMI installs (packages/api); user data and the agent config depend on its log settings. */
const UNIT_FILE = join(PACKAGE_DIR, '..', '..', 'packages', 'api', 'deploy', 'taskboard-api.service');

const config = {
  ...EXAMPLE_API_CONFIGURATION,
  corsOrigins: ['https://a.example.com', 'https://b.example.com'],
};

t.test('the environment file carries every variable the api reads from AWS', async (t) => {
  const lines = apiUserDataCommands(config);
  const start = lines.indexOf(`cat > ${API_ENV_FILE} <<'TASKBOARD_ENV'`);
  const end = lines.indexOf('TASKBOARD_ENV');
  t.same(lines.slice(start + 1, end), [
    'NODE_ENV="production"',
    'HOST="0.0.0.0"',
    'PORT="3000"',
    'AWS_REGION="eu-west-1"',
    `DATABASE_SECRET_ID="${config.databaseSecretId}"`,
    `AUTH_ISSUERS="${config.issuerUrl}"`,
    'AUTH_CLIENT_IDS="client"',
    'AUTH_TOKEN_USE="access"',
    'CORS_ORIGINS="https://a.example.com,https://b.example.com"',
    'LOG_LEVEL="info"',
    'TRUST_PROXY="10.0.0.0/8"',
    'API_WORKERS="auto"',
    'DRAIN_WINDOW_MS="35000"',
    'SHUTDOWN_DEADLINE_MS="25000"',
    // Issue 16: metrics as EMF and traces over OTLP, both to the CloudWatch agent on the instance.
    'METRICS_EXPORTER="emf-agent"',
    'METRICS_EMF_ENDPOINT="tcp://127.0.0.1:25888"',
    'OTEL_SERVICE_NAME="taskboard-api-test"',
    'OTEL_TRACES_EXPORTER="otlp"',
    'OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318"',
    'OTEL_TRACES_SAMPLER="parentbased_traceidratio"',
    'OTEL_TRACES_SAMPLER_ARG="0.05"',
  ]);
  t.ok(lines.includes('TimeoutStopSec=65'), 'systemd waits for drain window + shutdown deadline + 5 s');
  t.notOk(
    lines.some((line) => line.startsWith('METRICS_EMF_LOG_GROUP=')),
    'no metrics log group: the agent default',
  );
  t.ok(
    apiUserDataCommands({ ...config, metricsLogGroupName: '/taskboard/x/api-metrics' }).includes(
      'METRICS_EMF_LOG_GROUP="/taskboard/x/api-metrics"',
    ),
  );
  t.ok(
    apiUserDataCommands({ ...config, databaseSslCaFile: '/etc/pki/rds.pem' }).includes(
      'DATABASE_SSL_CA_FILE="/etc/pki/rds.pem"',
    ),
  );
});

// The internal ALB appends the address of its peer (the VPC link's ENI, in the VPC) to
// X-Forwarded-For in its default append mode, so with the VPC trusted the api takes the first address
// outside it as the client's:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
t.test('TRUST_PROXY covers every VPC CIDR the environment schema allows', async (t) => {
  const schema = readFileSync(join(PACKAGE_DIR, '..', 'environment', 'v1', 'schema', 'schema.yaml'), 'utf8');
  const pattern = /vpc_cidr:[\s\S]*?pattern: '([^']+)'/.exec(schema)?.[1];
  t.ok(pattern?.startsWith('^10\\.'), `vpc_cidr pattern ${pattern} stays inside 10.0.0.0/8`);
  t.equal(TRUSTED_PROXIES, '10.0.0.0/8');
});

t.test('a trace sample ratio outside 0..1 is refused', async (t) => {
  t.throws(() => apiUserDataCommands({ ...config, traceSampleRatio: 1.5 }), {
    message: 'apiUserDataCommands: traceSampleRatio must be between 0 and 1, got 1.5',
  });
  t.throws(() => apiUserDataCommands({ ...config, traceSampleRatio: Number.NaN }), /traceSampleRatio/);
});

t.test('values are quoted for systemd, and the script fails fast', async (t) => {
  const lines = apiUserDataCommands({ ...config, logLevel: 'in"fo\\' });
  t.ok(lines.includes('LOG_LEVEL="in\\"fo\\\\"'));
  t.equal(lines[0], 'set -euo pipefail');
  t.equal(lines.at(-1), 'systemctl enable --now taskboard-api');
});

t.test('the api log is readable by the CloudWatch agent (cwagent) from the first start on', async (t) => {
  const lines = apiUserDataCommands(config);
  const unit = readFileSync(UNIT_FILE, 'utf8');
  t.match(unit, `StandardOutput=append:${API_LOG_FILE}`, 'the file user data prepares is the one the unit appends to');
  // systemd resets the directory to this mode on every start: other users may traverse, not list.
  t.match(unit, /^LogsDirectoryMode=0711$/m);
  const prepare = lines.findIndex((line) => line.includes(`chown taskboard:cwagent ${API_LOG_FILE}`));
  t.ok(prepare >= 0, 'the file is owned by taskboard, group cwagent');
  t.match(lines[prepare]!, `touch ${API_LOG_FILE}`, 'created without truncating an existing log');
  t.match(lines[prepare]!, `chmod 0640 ${API_LOG_FILE}`, 'readable by group cwagent only');
  // append: keeps an existing file's owner and mode, so it must exist before the api first starts.
  t.ok(prepare < lines.indexOf('systemctl enable --now taskboard-api'));
});

t.test('a CloudWatch agent that fails to start does not keep the api from starting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-user-data-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const failingCtl = join(dir, 'amazon-cloudwatch-agent-ctl');
  writeFileSync(failingCtl, '#!/bin/sh\necho "ssm: throttled" >&2\nexit 1\n');
  chmodSync(failingCtl, 0o755);
  const lines = apiUserDataCommands(config);
  // The agent's part of the script, against a stub agent that fails and a log file in a temp dir.
  const agentBlock = lines
    .slice(
      lines.findIndex((line) => line.startsWith('if [ -x')),
      lines.indexOf('fi') + 1,
    )
    .map((line) => line.replaceAll(CLOUDWATCH_AGENT_CTL, failingCtl).replaceAll(API_LOG_FILE, join(dir, 'api.log')));
  const run = spawnSync('bash', ['-c', [lines[0], ...agentBlock, 'echo api-started'].join('\n')], {
    encoding: 'utf8',
  });
  t.equal(run.status, 0, 'user data carries on to the api start');
  t.equal(run.stdout.trim(), 'api-started');
  t.match(run.stderr, 'WARNING: the CloudWatch agent did not start');
});
