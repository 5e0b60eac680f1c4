import t from 'tap';
import { API_ENV_FILE, apiUserDataCommands } from '../v1/infrastructure/user-data.ts';

const config = {
  region: 'eu-west-1',
  port: 3000,
  databaseSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  issuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
  clientId: 'client',
  corsOrigins: ['https://a.example.com', 'https://b.example.com'],
  logLevel: 'info',
  deregistrationDelaySeconds: 30,
  cloudWatchAgentConfigParameter: 'AmazonCloudWatch-x',
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
    'DRAIN_WINDOW_MS="35000"',
    'SHUTDOWN_DEADLINE_MS="25000"',
  ]);
  t.ok(lines.includes('TimeoutStopSec=65'), 'systemd waits for drain window + shutdown deadline + 5 s');
  t.ok(
    apiUserDataCommands({ ...config, databaseSslCaFile: '/etc/pki/rds.pem' }).includes(
      'DATABASE_SSL_CA_FILE="/etc/pki/rds.pem"',
    ),
  );
});

t.test('values are quoted for systemd, and the script fails fast', async (t) => {
  const lines = apiUserDataCommands({ ...config, logLevel: 'in"fo\\' });
  t.ok(lines.includes('LOG_LEVEL="in\\"fo\\\\"'));
  t.equal(lines[0], 'set -euo pipefail');
  t.equal(lines.at(-1), 'systemctl enable --now taskboard-api');
});
