/**
 * Database credentials from an AWS Secrets Manager secret in the RDS format
 * (`{"engine":"postgres","host":…,"port":5432,"username":…,"password":…,"dbname":…}`).
 * The client uses the SDK's default credential chain (the instance profile on EC2); the region
 * comes from config or from the instance metadata service (IMDSv2).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, type AppConfig } from '../config.ts';
import {
  cachedCredentials,
  staticCredentials,
  type ConnectionParams,
  type CredentialsProvider,
} from './credentials.ts';

/** The secret is missing, unreadable or malformed. The message names the secret, never its value. */
export class SecretError extends ConfigError {
  override name = 'SecretError';
}

const POSTGRES_ENGINES = new Set(['postgres', 'postgresql', 'aurora-postgresql']);

function field(secretId: string, body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new SecretError(`Secrets Manager secret "${secretId}": field "${name}" is missing or not a non-empty string`);
  }
  return value;
}

/** Parses the secret's JSON; every problem names the secret and the field, never a value. */
export function parseRdsSecret(secretId: string, secretString: string | undefined): ConnectionParams {
  if (secretString === undefined) {
    throw new SecretError(
      `Secrets Manager secret "${secretId}" has no SecretString (binary secrets are not supported)`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(secretString);
  } catch {
    throw new SecretError(`Secrets Manager secret "${secretId}" is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SecretError(`Secrets Manager secret "${secretId}" is not a JSON object`);
  }
  const record = body as Record<string, unknown>;
  const engine = record.engine;
  if (engine !== undefined && (typeof engine !== 'string' || !POSTGRES_ENGINES.has(engine))) {
    throw new SecretError(`Secrets Manager secret "${secretId}": engine must be postgres, got "${String(engine)}"`);
  }
  const rawPort = record.port ?? 5432;
  const port = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SecretError(`Secrets Manager secret "${secretId}": field "port" is not a port number`);
  }
  const dbname = record.dbname ?? 'postgres';
  if (typeof dbname !== 'string' || dbname.length === 0) {
    throw new SecretError(`Secrets Manager secret "${secretId}": field "dbname" is not a non-empty string`);
  }
  return {
    user: field(secretId, record, 'username'),
    password: field(secretId, record, 'password'),
    host: field(secretId, record, 'host'),
    port,
    database: dbname,
  };
}

/** Why a GetSecretValue call failed, in words that point at the fix. */
function describeReadFailure(secretId: string, error: unknown): SecretError {
  const name = (error as { name?: string }).name ?? 'Error';
  const reason =
    name === 'ResourceNotFoundException'
      ? 'does not exist (check DATABASE_SECRET_ID and AWS_REGION)'
      : name === 'AccessDeniedException'
        ? 'cannot be read: access denied (the instance role needs secretsmanager:GetSecretValue and kms:Decrypt)'
        : name === 'DecryptionFailure'
          ? 'cannot be decrypted (KMS key permissions)'
          : `cannot be read: ${name}: ${(error as { message?: string }).message ?? 'unknown error'}`;
  return new SecretError(`Secrets Manager secret "${secretId}" ${reason}`, { cause: error });
}

export interface InstanceMetadataOptions {
  /** @default http://169.254.169.254 (tests point this at a loopback fake) */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
}

/** The instance's region from IMDSv2 (token first, then the region), for hosts without AWS_REGION. */
export async function regionFromInstanceMetadata(options: InstanceMetadataOptions = {}): Promise<string> {
  const endpoint = options.endpoint ?? 'http://169.254.169.254';
  const signal = (): AbortSignal => AbortSignal.timeout(options.timeoutMs ?? 2_000);
  try {
    const tokenResponse = await fetch(`${endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      signal: signal(),
    });
    if (!tokenResponse.ok) throw new Error(`token request answered ${tokenResponse.status}`);
    const token = await tokenResponse.text();
    const regionResponse = await fetch(`${endpoint}/latest/meta-data/placement/region`, {
      headers: { 'x-aws-ec2-metadata-token': token },
      signal: signal(),
    });
    if (!regionResponse.ok) throw new Error(`region request answered ${regionResponse.status}`);
    const region = (await regionResponse.text()).trim();
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error('the answer is not a region name');
    return region;
  } catch (error) {
    throw new ConfigError(
      `AWS_REGION is not set and the instance metadata service did not give the region (${(error as Error).message})`,
      { cause: error },
    );
  }
}

export interface SecretsManagerCredentialsOptions {
  readonly secretId: string;
  /** @default from the instance metadata service */
  readonly region?: string;
  readonly instanceMetadata?: InstanceMetadataOptions;
}

/**
 * Credentials read from Secrets Manager, cached, and re-read on refresh() (after a rotation).
 * Tests replace the SDK at its boundary (aws-sdk-client-mock on SecretsManagerClient), so the
 * request shape is verified there; the real credential chain and endpoint are not exercised.
 */
export function secretsManagerCredentials(options: SecretsManagerCredentialsOptions): CredentialsProvider {
  const { secretId } = options;
  let client: SecretsManagerClient | undefined;
  return cachedCredentials(`Secrets Manager secret "${secretId}"`, async () => {
    // Loaded on first use: the SDK costs ~0.2 s of start-up that DATABASE_URL deployments never need.
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    client ??= new SecretsManagerClient({
      region: options.region ?? (await regionFromInstanceMetadata(options.instanceMetadata)),
      maxAttempts: 3,
    });
    const sdkClient = client;
    // A CLIENT span named and attributed as OpenTelemetry's AWS SDK semantic conventions say
    // (https://opentelemetry.io/docs/specs/semconv/cloud-providers/aws-sdk/): the AWS SDK
    // instrumentation patches modules, which the ESM entry and the bundle do not allow
    // (tracing/tracing-sdk.ts). Without a tracer provider the span is a no-op.
    const { SpanKind, SpanStatusCode, trace } = await import('@opentelemetry/api');
    const secretString = await trace.getTracer('taskboard-api').startActiveSpan(
      'SecretsManager.GetSecretValue',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.service': 'SecretsManager',
          'rpc.method': 'GetSecretValue',
          'cloud.region': await sdkClient.config.region(),
        },
      },
      async (span) => {
        try {
          return (await sdkClient.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { name?: string }).name ?? 'Error' });
          throw describeReadFailure(secretId, error);
        } finally {
          span.end();
        }
      },
    );
    return parseRdsSecret(secretId, secretString);
  });
}

/** The provider the configuration asks for: the Secrets Manager secret, else DATABASE_URL. */
export function credentialsFromConfig(
  config: Pick<AppConfig, 'databaseUrl' | 'databaseSecretId' | 'awsRegion'>,
): CredentialsProvider {
  if (config.databaseSecretId !== undefined) {
    return secretsManagerCredentials({ secretId: config.databaseSecretId, region: config.awsRegion });
  }
  if (config.databaseUrl === undefined) {
    throw new ConfigError('DATABASE_URL is required but not set (or set DATABASE_SECRET_ID)');
  }
  return staticCredentials(config.databaseUrl);
}
