export interface ApiConfiguration {
  readonly region: string;
  readonly port: number;
  readonly databaseSecretId: string;
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** The target group's deregistration delay: the api keeps serving a little longer than this after SIGTERM. */
  readonly deregistrationDelaySeconds: number;
  /**
   * How long the load balancer may keep routing to a process that drains without being deregistered
   * (unhealthy threshold × interval + timeout, see health-check-timing.ts); the api also serves a
   * little longer than this. @default 0
   */
  readonly drainDetectionSeconds?: number;
  /** CA bundle for TLS to RDS, as baked into the AMI. @default - unset (the api's default trust store) */
  readonly databaseSslCaFile?: string;
  /** The API Gateway stage, which it may send before every path; the api strips it. @default - unset: nothing stripped */
  readonly apiStageName?: string;
  /** SSM parameter holding the CloudWatch agent configuration. */
  readonly cloudWatchAgentConfigParameter: string;
  /**
   * The master user's secret, for migrate.js only (written to MIGRATE_ENV_FILE, never to the api's
   * environment). Every instance gets the ARN, but only the migration runner's role may read it.
   * @default - unset: migrate.js migrates as the api's own user
   */
  readonly databaseMigratorSecretId?: string;
  /** OTEL_SERVICE_NAME: the `Service` dimension of the api's metrics and the service name of its traces. */
  readonly serviceName: string;
  /**
   * METRICS_EMF_LOG_GROUP: the log group the CloudWatch agent writes the api's EMF documents to (api-logs.ts).
   * @default - unset: the agent's default group, `emf/logs/default`
   */
  readonly metricsLogGroupName?: string;
  /** OTEL_TRACES_SAMPLER_ARG: share of new traces sampled (0-1). */
  readonly traceSampleRatio: number;
}

/** TRUST_PROXY of the api: every environment's VPC (its schema allows 10.<n>.0.0/16 only). */
export const TRUSTED_PROXIES = '10.0.0.0/8';

/** How long the api may take to close connections after draining (its SHUTDOWN_DEADLINE_MS). */
export const SHUTDOWN_DEADLINE_SECONDS = 25;

/** API_WORKERS: one api worker per vCPU, sharing the port; the CPU scaling thresholds (cpu-thresholds.ts) assume it. */
export const API_WORKERS = 'auto';

/** Where the api reads its configuration; the AMI's unit file does not need to know the values. */
export const API_ENV_FILE = '/etc/taskboard/api.env';
/** What migrate.js reads on top of API_ENV_FILE (tools/rollout MIGRATE_SCRIPT sources both). */
export const MIGRATE_ENV_FILE = '/etc/taskboard/migrate.env';
export const SERVICE_UNIT = 'taskboard-api';
/** The file the unit appends the api's stdout and stderr to, and the CloudWatch agent ships. */
export const API_LOG_FILE = '/var/log/taskboard/api.log';
/** The user the CloudWatch agent runs as (its `run_as_user`); its package creates it with a group of the same name. */
export const CLOUDWATCH_AGENT_USER = 'cwagent';
export const CLOUDWATCH_AGENT_CTL = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';

/**
 * Where the CloudWatch agent listens for Embedded Metric Format documents (its `logs.metrics_collected.emf`
 * default: TCP and UDP port 25888), and where the api sends them (METRICS_EMF_ENDPOINT).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html
 */
export const AGENT_EMF_ENDPOINT = 'tcp://127.0.0.1:25888';
/**
 * The agent's OTLP/HTTP receiver for traces (`traces.traces_collected.otlp.http_endpoint`, `ip:port`);
 * the api exports to it (OTEL_EXPORTER_OTLP_ENDPOINT, http://...).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-OpenTelemetry-metrics.html
 */
export const AGENT_OTLP_HTTP_ADDRESS = '127.0.0.1:4318';

/**
 * Shell lines for the launch template's user data: write the api's environment file, point the
 * systemd unit at it, prepare the api log for and start the CloudWatch agent (both best effort),
 * then `systemctl enable --now taskboard-api` (fatal, like everything else under `set -e`).
 * The api resolves DATABASE_SECRET_ID to a connection URL itself, so no secret lands on disk.
 */
export function apiUserDataCommands(config: ApiConfiguration): string[] {
  if (!(config.traceSampleRatio >= 0 && config.traceSampleRatio <= 1)) {
    throw new Error(`apiUserDataCommands: traceSampleRatio must be between 0 and 1, got ${config.traceSampleRatio}`);
  }
  // Drain: keep answering for 5 s more than the ALB needs to stop sending (its deregistration delay,
  // or, when nothing deregistered the instance, its failed health checks), then close within the
  // deadline; systemd must wait for both before it kills the process.
  const drainWindowSeconds = Math.max(config.deregistrationDelaySeconds, config.drainDetectionSeconds ?? 0) + 5;
  const stopTimeoutSeconds = drainWindowSeconds + SHUTDOWN_DEADLINE_SECONDS + 5;
  const environment: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    PORT: String(config.port),
    AWS_REGION: config.region,
    DATABASE_SECRET_ID: config.databaseSecretId,
    AUTH_ISSUERS: config.issuerUrl,
    AUTH_CLIENT_IDS: config.clientId,
    AUTH_TOKEN_USE: 'access',
    CORS_ORIGINS: config.corsOrigins.join(','),
    LOG_LEVEL: config.logLevel,
    // Only the internal ALB and the VPC link reach the instance, and both are in the VPC, whose CIDR
    // the environment schema confines to 10.<n>.0.0/16: the client is the rightmost X-Forwarded-For
    // entry outside it, which a caller cannot choose (the api's rate limit per client address).
    TRUST_PROXY: TRUSTED_PROXIES,
    API_WORKERS,
    DRAIN_WINDOW_MS: String(drainWindowSeconds * 1000),
    SHUTDOWN_DEADLINE_MS: String(SHUTDOWN_DEADLINE_SECONDS * 1000),
    ...(config.databaseSslCaFile ? { DATABASE_SSL_CA_FILE: config.databaseSslCaFile } : {}),
    ...(config.apiStageName ? { API_STAGE_PREFIX: `/${config.apiStageName}` } : {}),
    // Metrics and traces go to the CloudWatch agent on the instance (api-logs.ts configures its
    // EMF listener and OTLP receiver): no AWS API call from the api per request or per flush.
    METRICS_EXPORTER: 'emf-agent',
    METRICS_EMF_ENDPOINT: AGENT_EMF_ENDPOINT,
    ...(config.metricsLogGroupName ? { METRICS_EMF_LOG_GROUP: config.metricsLogGroupName } : {}),
    OTEL_SERVICE_NAME: config.serviceName,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${AGENT_OTLP_HTTP_ADDRESS}`,
    // Follow the caller's sampling decision (a browser or SDK traceparent), else sample this share.
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(config.traceSampleRatio),
  };
  const envFile = Object.entries(environment).map(([name, value]) => `${name}=${quote(value)}`);
  return [
    'set -euo pipefail',
    'install -d -m 0750 /etc/taskboard',
    `cat > ${API_ENV_FILE} <<'TASKBOARD_ENV'`,
    ...envFile,
    'TASKBOARD_ENV',
    `chmod 0640 ${API_ENV_FILE}`,
    // Before anything that may fail: a runner whose api does not start must still be able to migrate.
    ...(config.databaseMigratorSecretId
      ? [
          `cat > ${MIGRATE_ENV_FILE} <<'TASKBOARD_ENV'`,
          `DATABASE_MIGRATOR_SECRET_ID=${quote(config.databaseMigratorSecretId)}`,
          'TASKBOARD_ENV',
          `chmod 0600 ${MIGRATE_ENV_FILE}`,
        ]
      : []),
    `install -d /etc/systemd/system/${SERVICE_UNIT}.service.d`,
    `cat > /etc/systemd/system/${SERVICE_UNIT}.service.d/10-environment.conf <<'TASKBOARD_UNIT'`,
    '[Service]',
    `EnvironmentFile=${API_ENV_FILE}`,
    `TimeoutStopSec=${stopTimeoutSeconds}`,
    'TASKBOARD_UNIT',
    `if [ -x ${CLOUDWATCH_AGENT_CTL} ]; then`,
    // The agent reads the log as cwagent. Left alone, systemd (as root, UMask=0077) creates the
    // append: file 0600 root, unreadable to it; append: reuses an existing file with its owner and
    // mode, so create it first: owned by taskboard, readable by group cwagent only. The file stays
    // across reboots (user data runs on first boot only), and systemd never re-chowns it: its
    // LogsDirectory= recursion runs only if the directory stops being taskboard:taskboard. The
    // unit's LogsDirectoryMode=0711 lets cwagent reach the file without listing the directory.
    `  (touch ${API_LOG_FILE} && chown taskboard:${CLOUDWATCH_AGENT_USER} ${API_LOG_FILE} && chmod 0640 ${API_LOG_FILE}) ||`,
    `    echo 'taskboard: WARNING: could not make ${API_LOG_FILE} readable by ${CLOUDWATCH_AGENT_USER}; the api log is not shipped' >&2`,
    // Not fatal: an SSM or agent hiccup must not keep the api down; it only costs logs and metrics.
    `  ${CLOUDWATCH_AGENT_CTL} -a fetch-config -m ec2 -s -c ssm:${config.cloudWatchAgentConfigParameter} ||`,
    "    echo 'taskboard: WARNING: the CloudWatch agent did not start; starting the api without logs and metrics' >&2",
    'fi',
    'systemctl daemon-reload',
    `systemctl enable --now ${SERVICE_UNIT}`,
  ];
}

/** Double quotes for systemd EnvironmentFile values (tokens are resolved by CloudFormation, not the shell). */
function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
