/**
 * Where database credentials come from. A static DATABASE_URL never changes; a Secrets Manager
 * secret does (rotation), so the pool asks the provider for every new connection and calls
 * refresh() when PostgreSQL rejects the password.
 */
import { ConfigError } from '../config.ts';

export interface ConnectionParams {
  readonly user: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export interface CredentialsProvider {
  /** What the credentials come from, for log lines and errors (never the value). */
  readonly source: string;
  /** The cached parameters, loaded on first use. */
  current(): Promise<ConnectionParams>;
  /** Re-reads the source (e.g. after the password rotated); concurrent callers share one read. */
  refresh(): Promise<ConnectionParams>;
  /** The last loaded parameters, synchronously (undefined before the first load). */
  cached(): ConnectionParams | undefined;
}

/** Splits a postgresql:// URL into its decoded parts. */
export function paramsFromUrl(url: string): ConnectionParams {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL');
  }
  return {
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    // URL keeps the brackets of an IPv6 literal; pg wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/**
 * A connection string with every part URL-encoded (passwords from Secrets Manager contain
 * characters such as `@`, `/`, `:` and `%`). Carries the password: never log it.
 */
export function connectionUrl(params: ConnectionParams): string {
  const host = params.host.includes(':') ? `[${params.host}]` : params.host;
  return (
    `postgresql://${encodeURIComponent(params.user)}:${encodeURIComponent(params.password)}` +
    `@${host}:${params.port}/${encodeURIComponent(params.database)}`
  );
}

export function staticCredentials(url: string): CredentialsProvider {
  const params = paramsFromUrl(url);
  return {
    source: 'DATABASE_URL',
    current: async () => params,
    refresh: async () => params,
    cached: () => params,
  };
}

/**
 * Caches what `load` returns; refresh() re-runs it, with concurrent callers sharing one call
 * so a burst of failed connections causes one read, not one per connection.
 */
export function cachedCredentials(source: string, load: () => Promise<ConnectionParams>): CredentialsProvider {
  let value: ConnectionParams | undefined;
  let pending: Promise<ConnectionParams> | undefined;
  const read = (): Promise<ConnectionParams> => {
    pending ??= load().then(
      (loaded) => {
        value = loaded;
        pending = undefined;
        return loaded;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
  return {
    source,
    current: async () => value ?? (await read()),
    refresh: read,
    cached: () => value,
  };
}
