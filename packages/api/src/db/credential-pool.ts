import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { ConnectionParams, CredentialsProvider } from './credentials.ts';
import { DatabaseUnavailableError, isAuthenticationFailure } from './errors.ts';
import { HOT_SQL_TYPES } from './row-parsers.ts';
import { verifyFullTls } from './tls.ts';

export interface CredentialPoolOptions {
  readonly credentials: CredentialsProvider;
  readonly max: number;
  readonly sslCa?: string;
  readonly connectTimeoutMs: number;
  readonly maxLifetimeSeconds?: number;
  readonly authRetries: number;
  readonly authRetryDelayMs: number;
  readonly log?: FastifyBaseLogger;
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg pool whose new connections take the provider's current credentials, and which, when
 * PostgreSQL rejects them (password rotated), re-reads the provider and connects again, a
 * bounded number of times. Connections already open keep working (PostgreSQL does not end
 * sessions when a password changes), so in-flight requests are not disturbed.
 */
export class CredentialPool extends pg.Pool {
  readonly credentials: CredentialsProvider;
  /** How many times a rejected password made us re-read the credentials. */
  authRefreshes = 0;
  /** Told how long each connect() waited for its connection, in ms (the metrics' DbPoolWaitTime). */
  onWait: ((ms: number) => void) | undefined;
  readonly #settings: CredentialPoolOptions;

  constructor(settings: CredentialPoolOptions) {
    const { credentials, sslCa, log } = settings;
    // pg-pool builds each connection with `new Client(options)`, synchronously; connect()
    // below has loaded the credentials by then, so the cache is always filled.
    class CredentialClient extends pg.Client {
      constructor(config: pg.ClientConfig) {
        const params: ConnectionParams | undefined = credentials.cached();
        if (params === undefined) throw new Error('database credentials are not loaded');
        super({
          ...config,
          user: params.user,
          password: params.password,
          host: params.host,
          port: params.port,
          database: params.database,
          ssl: sslCa === undefined ? false : verifyFullTls(sslCa, params.host),
          // The row types the hot statements return (db/row-parsers.ts).
          types: HOT_SQL_TYPES,
        });
        // Prisma's adapter leaves a checked-out connection without an 'error' listener for a
        // moment around transaction end; a backend terminated then (failover, rotation, admin)
        // would crash the process. The pool still drops the dead client when it is released.
        this.on('error', (error: Error) => log?.warn(connectionError(error), 'database connection failed'));
      }
    }
    super({
      max: settings.max,
      // Fail fast when the pool is exhausted or the server is gone, instead of queueing forever.
      connectionTimeoutMillis: settings.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      maxLifetimeSeconds: settings.maxLifetimeSeconds ?? 0,
      statement_timeout: 15_000,
      Client: CredentialClient as unknown as new () => pg.ClientBase,
    });
    this.credentials = credentials;
    this.#settings = settings;
    // An idle connection that dies (failover, pg_terminate_backend) is dropped by the pool; log it.
    this.on('error', (error) => settings.log?.warn(connectionError(error), 'idle database connection failed'));
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const started = performance.now();
    // pool.query() (every hot statement) connects with a callback. Once the credentials are loaded,
    // hand it to pg-pool as it is: no promise, async frame and microtasks per statement (issue 17:
    // CPU). A rejected password still takes the path below, which re-reads them and retries.
    if (callback !== undefined && this.credentials.cached() !== undefined) {
      super.connect((error, client, release) => {
        if (error !== undefined && isAuthenticationFailure(error)) {
          this.#settle(this.#connectReportingWait(started), callback);
          return;
        }
        if (error === undefined) this.onWait?.(performance.now() - started);
        callback(error, client, release ?? (() => undefined));
      });
      return;
    }
    const connected = this.#connectReportingWait(started);
    if (!callback) return connected;
    this.#settle(connected, callback);
  }

  /** Calls `callback` once `connected` settles, as pg-pool calls a connect callback. */
  #settle(connected: Promise<pg.PoolClient>, callback: ConnectCallback): void {
    connected.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as Error | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  /** Connects with fresh credentials and reports how long that waited since `started`. */
  async #connectReportingWait(started: number): Promise<pg.PoolClient> {
    const client = await this.#connectWithFreshCredentials();
    this.onWait?.(performance.now() - started);
    return client;
  }

  async #connectWithFreshCredentials(): Promise<pg.PoolClient> {
    const { authRetries, authRetryDelayMs, log } = this.#settings;
    try {
      await this.credentials.current();
    } catch (error) {
      log?.error({ err: error, source: this.credentials.source }, 'database credentials cannot be loaded');
      throw new DatabaseUnavailableError(`database credentials cannot be loaded from ${this.credentials.source}`, {
        cause: error,
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await super.connect();
      } catch (error) {
        if (!isAuthenticationFailure(error)) throw error;
        if (attempt >= authRetries) {
          log?.error(
            { attempts: attempt + 1, source: this.credentials.source },
            'database still rejects the credentials',
          );
          throw new DatabaseUnavailableError('the database rejected the credentials', { cause: error });
        }
        // Rotation may have changed the password before the secret's current version moved:
        // back off, then read again.
        if (attempt > 0) await sleep(authRetryDelayMs * 2 ** (attempt - 1));
        this.authRefreshes++;
        log?.warn(
          { attempt: attempt + 1, source: this.credentials.source },
          'database rejected the credentials: re-reading them',
        );
        try {
          await this.credentials.refresh();
        } catch (refreshError) {
          throw new DatabaseUnavailableError(`database credentials cannot be re-read from ${this.credentials.source}`, {
            cause: refreshError,
          });
        }
      }
    }
  }
}

/** What to log of a connection error: pg attaches the whole client object to it, which is noise. */
function connectionError(error: Error): { error: { message: string; code?: string } } {
  return { error: { message: error.message, code: (error as { code?: string }).code } };
}
