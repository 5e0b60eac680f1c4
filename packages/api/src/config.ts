import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { isStagePrefix } from './http/stage-prefix.ts';

/**
 * Typed configuration from the environment. Every variable is listed in the README;
 * a missing or malformed one stops start-up with a message naming it.
 */

export type TokenUse = 'access' | 'id';

export interface AuthConfig {
  /** Exact issuer URLs whose tokens are accepted; the JWKS is `<issuer>/.well-known/jwks.json`. */
  readonly issuers: readonly string[];
  /** App client ids: matched against `client_id` (access tokens) or `aud` (id tokens). */
  readonly clientIds: readonly string[];
  readonly tokenUse: readonly TokenUse[];
  /** Allowed clock skew for exp/nbf/iat, in seconds. */
  readonly clockSkewSeconds: number;
  /** Minimum time between two JWKS fetches for one issuer caused by an unknown key id. */
  readonly jwksRefetchIntervalMs: number;
  /** How long fetched keys stay cached. */
  readonly jwksCacheTtlMs: number;
  /**
   * The `admin` group is honoured only from tokens issued (`iat`) at most this long ago, so admin
   * rights end within this time of a removal from the group, not when the token expires.
   * @default 300
   */
  readonly adminMaxTokenAgeSeconds?: number;
}

/** Thresholds past which @fastify/under-pressure sheds load (503 + Retry-After); 0 disables one. */
export interface OverloadConfig {
  readonly maxEventLoopDelayMs: number;
  /** Event loop utilisation, 0..1. */
  readonly maxEventLoopUtilization: number;
  readonly maxHeapUsedBytes: number;
  readonly maxRssBytes: number;
  readonly retryAfterSeconds: number;
}

export interface RateLimitConfig {
  /** Requests per window for one user (the verified token's `sub`). */
  readonly max: number;
  readonly windowMs: number;
  /**
   * Requests per window whose token does not verify, for one client address; past it, that address's
   * requests get 429 without their token being verified. @default 60
   */
  readonly anonymousMax?: number;
}

export type MetricsExporterName = 'emf-agent' | 'stdout' | 'none';

/** Application metrics (src/plugins/metrics.ts): aggregated in-process, flushed as EMF documents. */
export interface MetricsConfig {
  /** METRICS_EXPORTER: the CloudWatch agent's EMF listener, stdout, or off. */
  readonly exporter: MetricsExporterName;
  /** METRICS_EMF_ENDPOINT: `tcp://host:port` of the agent's EMF listener. @default tcp://127.0.0.1:25888 */
  readonly emfEndpoint: URL;
  /** METRICS_FLUSH_SECONDS: how often the aggregates are sent. @default 60 */
  readonly flushSeconds: number;
  /** OTEL_SERVICE_NAME: the value of the `Service` dimension. @default taskboard-api */
  readonly serviceName: string;
  /**
   * METRICS_EMF_LOG_GROUP: the log group the CloudWatch agent writes the documents to (`_aws.LogGroupName`).
   * @default - unset: the agent's own default, `emf/logs/default`
   */
  readonly emfLogGroup?: string;
}

/**
 * Which proxies may tell the api the client's address in X-Forwarded-For (Fastify's trustProxy):
 * a number of hops, or the addresses/CIDRs of the proxies. Never "trust everyone", which would let
 * any caller pick the address it is rate limited by.
 */
export type TrustProxy = number | readonly string[];

export interface AppConfig {
  /** Static connection string (local development, tests). Exactly one of this and databaseSecretId. */
  readonly databaseUrl?: string;
  /** Secrets Manager id (name or ARN) of the RDS secret: the EC2 path, where the password rotates. */
  readonly databaseSecretId?: string;
  /** Region of the Secrets Manager client. @default the instance's region from IMDSv2 */
  readonly awsRegion?: string;
  /** PEM CA bundle; when set, TLS to PostgreSQL is verify-full against it. */
  readonly databaseSslCaFile?: string;
  readonly databasePoolMax: number;
  /** Connections are replaced after this long (rotated credentials, failover, rebalancing); 0 = never. @default 900 */
  readonly databaseMaxLifetimeSeconds?: number;
  /** How long a request waits for a pooled connection (or a new one) before failing with 503. @default 5000 */
  readonly databaseConnectTimeoutMs?: number;
  /** @default no load shedding (tests, tools); loadAppConfig always sets it */
  readonly overload?: OverloadConfig;
  readonly auth: AuthConfig;
  readonly corsOrigins: readonly string[];
  /**
   * Local mode (CORS_ALLOW_LOOPBACK, set by `npm start`): also allow any `http://localhost:<port>` and
   * `http://127.0.0.1:<port>` origin, so a dev server on any port works. Refused with NODE_ENV=production.
   * @default false
   */
  readonly corsAllowLoopback?: boolean;
  readonly rateLimit: RateLimitConfig;
  /** TRUST_PROXY: proxies whose X-Forwarded-For entries are believed. @default none: request.ip is the socket peer */
  readonly trustProxy?: TrustProxy;
  /** READINESS_CACHE_MS: how long /health/ready reuses a finished dependency check; 0 = not at all. @default 1000 */
  readonly readinessCacheMs?: number;
  readonly bodyLimitBytes: number;
  readonly idempotencyTtlSeconds: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Serves the OpenAPI document at /docs/json and Swagger UI at /docs. */
  readonly docs: boolean;
  /**
   * Log a caller's own x-request-id as `clientRequestId` next to the server's request id (it never
   * replaces it). When false, the header is ignored.
   */
  readonly trustRequestId: boolean;
  /**
   * `/<stage>` that API Gateway may put in front of every path it sends (API_STAGE_PREFIX): stripped
   * before routing, so `/live/v1/me` and `/v1/me` reach the same route. @default none
   */
  readonly stagePrefix?: string;
  /** @default no metrics (tests, tools); loadAppConfig always sets it */
  readonly metrics?: MetricsConfig;
}

export interface ServerConfig extends AppConfig {
  readonly host: string;
  readonly port: number;
  /** Apply pending migrations before listening (local development; AWS runs them once per rollout). */
  readonly migrateOnStart: boolean;
  /** After SIGTERM, keep serving (readiness 503) this long so the load balancer deregisters us. */
  readonly drainWindowMs: number;
  /** After the drain window, in-flight requests get this long before the process exits anyway. */
  readonly shutdownDeadlineMs: number;
  /**
   * Processes serving the port (API_WORKERS: a number, or `auto` = one per vCPU). 1 is this process
   * alone; more makes it a node:cluster primary that forks them (src/cluster-primary.ts). @default 1
   */
  readonly workers: number;
  /**
   * The instance's connection budget (DATABASE_POOL_MAX). `databasePoolMax` is one worker's share of
   * it, so the instance never holds more than this whatever `workers` is (docs/capacity.md).
   */
  readonly databasePoolBudget: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must hold URLs, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must hold http(s) URLs, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function ratio(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1)
    throw new ConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  return value;
}

/** `DATABASE_URL` or `DATABASE_SECRET_ID`, never both: one source of credentials. */
function databaseSource(env: Env): Pick<AppConfig, 'databaseUrl' | 'databaseSecretId' | 'awsRegion'> {
  const secretId = optional(env, 'DATABASE_SECRET_ID');
  const awsRegion = optional(env, 'AWS_REGION');
  if (awsRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(awsRegion)) {
    throw new ConfigError(`AWS_REGION must be a region name like eu-west-1, got "${awsRegion}"`);
  }
  if (secretId === undefined) return { databaseUrl: databaseUrl(env), awsRegion };
  if (optional(env, 'DATABASE_URL') !== undefined) {
    throw new ConfigError('DATABASE_URL and DATABASE_SECRET_ID are both set: set only one');
  }
  if (!/^[A-Za-z0-9/_+=.@:-]{1,2048}$/.test(secretId)) {
    throw new ConfigError('DATABASE_SECRET_ID must be a secret name or ARN');
  }
  return { databaseSecretId: secretId, awsRegion };
}

function databaseUrl(env: Env): string {
  const value = env.DATABASE_URL?.trim();
  if (!value) throw new ConfigError('DATABASE_URL is required but not set (or set DATABASE_SECRET_ID)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Never echo the value: it carries a password.
    throw new ConfigError('DATABASE_URL is not a valid URL');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConfigError(`DATABASE_URL must start with postgresql://, got ${url.protocol}//`);
  }
  return value;
}

/**
 * Defaults sized for an ALB/NLB target group with a deregistration delay of ~15 s; the systemd
 * unit's TimeoutStopSec must exceed their sum (a test checks it).
 */
export const DEFAULT_DRAIN_WINDOW_MS = 20_000;
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 25_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadAppConfig(env: Env = process.env): AppConfig {
  const issuers = list(env, 'AUTH_ISSUERS').map((issuer) => httpUrl('AUTH_ISSUERS', issuer));
  if (issuers.length === 0) throw new ConfigError('AUTH_ISSUERS is required but not set');
  const clientIds = list(env, 'AUTH_CLIENT_IDS');
  if (clientIds.length === 0) throw new ConfigError('AUTH_CLIENT_IDS is required but not set');
  const tokenUse = list(env, 'AUTH_TOKEN_USE');
  for (const use of tokenUse) {
    if (use !== 'access' && use !== 'id')
      throw new ConfigError(`AUTH_TOKEN_USE must list access and/or id, got "${use}"`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    ...databaseSource(env),
    databaseSslCaFile: optional(env, 'DATABASE_SSL_CA_FILE'),
    databasePoolMax: integer(env, 'DATABASE_POOL_MAX', 10, 1, 500),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 60_000),
    databaseMaxLifetimeSeconds: integer(env, 'DATABASE_MAX_LIFETIME_SECONDS', 900, 0, 86_400),
    overload: {
      maxEventLoopDelayMs: integer(env, 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 1_000, 0, 60_000),
      maxEventLoopUtilization: ratio(env, 'OVERLOAD_MAX_EVENT_LOOP_UTILIZATION', 0.98),
      maxHeapUsedBytes: integer(env, 'OVERLOAD_MAX_HEAP_USED_BYTES', 0, 0, 68_719_476_736),
      maxRssBytes: integer(env, 'OVERLOAD_MAX_RSS_BYTES', 0, 0, 68_719_476_736),
      retryAfterSeconds: integer(env, 'OVERLOAD_RETRY_AFTER_SECONDS', 5, 1, 600),
    },
    auth: {
      issuers,
      clientIds,
      tokenUse: tokenUse.length > 0 ? (tokenUse as TokenUse[]) : ['access'],
      clockSkewSeconds: integer(env, 'AUTH_CLOCK_SKEW_SECONDS', 30, 0, 300),
      jwksRefetchIntervalMs: integer(env, 'AUTH_JWKS_REFETCH_INTERVAL_MS', 30_000, 0, 3_600_000),
      jwksCacheTtlMs: integer(env, 'AUTH_JWKS_CACHE_TTL_MS', 3_600_000, 1_000, 86_400_000),
      adminMaxTokenAgeSeconds: integer(env, 'ADMIN_MAX_TOKEN_AGE_SECONDS', 300, 60, 86_400),
    },
    corsOrigins: list(env, 'CORS_ORIGINS').map((origin) => httpUrl('CORS_ORIGINS', origin)),
    corsAllowLoopback: corsAllowLoopback(env),
    rateLimit: {
      max: integer(env, 'RATE_LIMIT_MAX', 600, 1, 1_000_000),
      windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 3_600_000),
      anonymousMax: integer(env, 'RATE_LIMIT_ANONYMOUS_MAX', 60, 1, 1_000_000),
    },
    trustProxy: trustProxy(env),
    readinessCacheMs: integer(env, 'READINESS_CACHE_MS', 1_000, 0, 60_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 65_536, 1_024, 10_485_760),
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 60, 604_800),
    logLevel: logLevel as AppConfig['logLevel'],
    // Off in production by default: API Gateway routes only the document's operations, so /docs is
    // unreachable there, and Swagger UI costs ~4 MB of RSS per instance.
    docs: boolean(env, 'DOCS_ENABLED', env.NODE_ENV !== 'production'),
    trustRequestId: boolean(env, 'TRUST_REQUEST_ID', true),
    stagePrefix: stagePrefix(env),
    metrics: metricsConfig(env),
  };
}

const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['emf-agent', 'stdout', 'none'];

/**
 * METRICS_EXPORTER defaults to `none` under NODE_ENV=test and to `stdout` otherwise, so `npm start`
 * shows them; the service template sets `emf-agent`.
 */
function metricsConfig(env: Env): MetricsConfig {
  const exporter = optional(env, 'METRICS_EXPORTER') ?? (env.NODE_ENV === 'test' ? 'none' : 'stdout');
  if (!(METRICS_EXPORTERS as readonly string[]).includes(exporter)) {
    throw new ConfigError(`METRICS_EXPORTER must be one of ${METRICS_EXPORTERS.join(', ')}, got "${exporter}"`);
  }
  const rawEndpoint = optional(env, 'METRICS_EMF_ENDPOINT') ?? 'tcp://127.0.0.1:25888';
  let emfEndpoint: URL | undefined;
  try {
    emfEndpoint = new URL(rawEndpoint);
  } catch {
    emfEndpoint = undefined;
  }
  if (
    emfEndpoint?.protocol !== 'tcp:' ||
    !emfEndpoint.hostname ||
    !emfEndpoint.port ||
    !['', '/'].includes(emfEndpoint.pathname)
  ) {
    throw new ConfigError(`METRICS_EMF_ENDPOINT must be tcp://host:port, got "${rawEndpoint}"`);
  }
  const serviceName = optional(env, 'OTEL_SERVICE_NAME') ?? 'taskboard-api';
  // A dimension value: CloudWatch allows up to 1024 characters; keep it to a readable name.
  if (!/^[A-Za-z0-9._/:-]{1,255}$/.test(serviceName)) {
    throw new ConfigError(`OTEL_SERVICE_NAME must be 1-255 letters, digits or ._-/:, got "${serviceName}"`);
  }
  const emfLogGroup = optional(env, 'METRICS_EMF_LOG_GROUP');
  // CloudWatch Logs' rule for a log group name (1-512 of a-z, A-Z, 0-9, _ - / .): a name the agent
  // could not write to would lose every document.
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
  if (emfLogGroup !== undefined && !/^[A-Za-z0-9._/-]{1,512}$/.test(emfLogGroup)) {
    throw new ConfigError(
      `METRICS_EMF_LOG_GROUP must be a log group name (1-512 letters, digits or ._-/), got "${emfLogGroup}"`,
    );
  }
  return {
    exporter: exporter as MetricsExporterName,
    emfEndpoint,
    flushSeconds: integer(env, 'METRICS_FLUSH_SECONDS', 60, 1, 3_600),
    serviceName,
    ...(emfLogGroup === undefined ? {} : { emfLogGroup }),
  };
}

/** Any page on this machine may call the api: a convenience for `npm start`, never for a deployed api. */
function corsAllowLoopback(env: Env): boolean {
  const allow = boolean(env, 'CORS_ALLOW_LOOPBACK', false);
  if (allow && env.NODE_ENV === 'production') {
    throw new ConfigError('CORS_ALLOW_LOOPBACK is for local development only: unset it when NODE_ENV=production');
  }
  return allow;
}

const CIDR = /^(?<address>[0-9a-fA-F.:]+)(?:\/(?<prefix>\d{1,3}))?$/;

/** TRUST_PROXY: unset/false, a hop count, or a comma-separated list of proxy addresses and CIDRs. */
function trustProxy(env: Env): TrustProxy | undefined {
  const raw = optional(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'false') return undefined;
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 1, 10);
  if (raw.toLowerCase() === 'true') {
    throw new ConfigError(
      "TRUST_PROXY=true would let any caller choose its client address: give the proxies' CIDR (e.g. the VPC CIDR) or a hop count",
    );
  }
  const entries = list(env, 'TRUST_PROXY');
  for (const entry of entries) {
    const match = CIDR.exec(entry);
    const version = match?.groups ? isIP(match.groups.address ?? '') : 0;
    const prefix = match?.groups?.prefix === undefined ? undefined : Number(match.groups.prefix);
    if (version === 0 || (prefix !== undefined && prefix > (version === 4 ? 32 : 128))) {
      throw new ConfigError(`TRUST_PROXY must be a hop count or a list of IP addresses/CIDRs, got "${entry}"`);
    }
    if (prefix === 0) throw new ConfigError(`TRUST_PROXY must not trust every address, got "${entry}"`);
  }
  return entries;
}

function stagePrefix(env: Env): string | undefined {
  const value = optional(env, 'API_STAGE_PREFIX');
  if (value !== undefined && !isStagePrefix(value)) {
    throw new ConfigError(`API_STAGE_PREFIX must be "/" and an API Gateway stage name, like /live; got "${value}"`);
  }
  return value;
}

const MAX_WORKERS = 64;

/** API_WORKERS: a whole number, or `auto` for one per vCPU this process may use. */
function apiWorkers(env: Env, cpus: number): number {
  const raw = env.API_WORKERS?.trim().toLowerCase();
  if (raw === 'auto') return Math.max(1, Math.min(cpus, MAX_WORKERS));
  if (raw && !/^\d+$/.test(raw)) {
    throw new ConfigError(`API_WORKERS must be a whole number or "auto", got "${env.API_WORKERS}"`);
  }
  return integer(env, 'API_WORKERS', 1, 1, MAX_WORKERS);
}

/** Each worker's pool: an equal share of the instance's DATABASE_POOL_MAX, at least one connection. */
export function poolPerWorker(budget: number, workers: number): number {
  if (budget < workers) {
    throw new ConfigError(
      `DATABASE_POOL_MAX (${budget}) is shared by the ${workers} API_WORKERS and gives each less than one ` +
        'connection: raise DATABASE_POOL_MAX or lower API_WORKERS',
    );
  }
  return Math.floor(budget / workers);
}

/** @param cpus what `API_WORKERS=auto` resolves to. @default os.availableParallelism() */
export function loadServerConfig(env: Env = process.env, cpus: number = availableParallelism()): ServerConfig {
  const app = loadAppConfig(env);
  const workers = apiWorkers(env, cpus);
  return {
    ...app,
    databasePoolMax: poolPerWorker(app.databasePoolMax, workers),
    databasePoolBudget: app.databasePoolMax,
    workers,
    host: env.HOST?.trim() || '0.0.0.0',
    port: integer(env, 'PORT', 3000, 0, 65_535),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', false),
    drainWindowMs: integer(env, 'DRAIN_WINDOW_MS', DEFAULT_DRAIN_WINDOW_MS, 0, 600_000),
    shutdownDeadlineMs: integer(env, 'SHUTDOWN_DEADLINE_MS', DEFAULT_SHUTDOWN_DEADLINE_MS, 1_000, 600_000),
  };
}
