/**
 * Process entry: configuration → credentials → (optional) migrations → listen → graceful drain.
 *
 * On SIGTERM (instance refresh, scale-in) or SIGINT: readiness answers 503 at once, the server
 * keeps serving for DRAIN_WINDOW_MS while the load balancer deregisters the instance, then stops
 * accepting, lets in-flight requests finish, closes keep-alive sockets and the pool, and exits 0.
 * A second signal, or SHUTDOWN_DEADLINE_MS after the window, forces exit 1 with a logged reason.
 *
 * With API_WORKERS > 1 this process checks the configuration and the secret, migrates (once, when
 * MIGRATE_ON_START), then becomes the cluster primary (cluster-primary.ts): each worker runs this
 * same file and serves the shared port, and drains when the primary tells it to.
 */
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DRAIN_MESSAGE, EX_CONFIG, STARTED_ENV, STARTED_MESSAGE, runPrimary } from './cluster-primary.ts';
import { ConfigError, loadServerConfig, type ServerConfig } from './config.ts';
import { connectionUrl, type CredentialsProvider } from './db/credentials.ts';
import { migrateDeploy } from './db/migrations.ts';
import { credentialsFromConfig } from './db/secrets.ts';
import { describeTlsFailure } from './db/tls.ts';
import type { FastifyInstance } from 'fastify';
import { startTracing } from './tracing/start-tracing.ts';
import type { StartedTracing } from './tracing/tracing-sdk.ts';

function stopOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`taskboard-api: configuration error: ${error.message}`);
    process.exit(EX_CONFIG);
  }
  throw error;
}

/** The URL migrations use; with a CA bundle, libpq-style verify-full (pg reads sslrootcert). */
function migrationUrl(config: ServerConfig, url: string): string {
  if (config.databaseSslCaFile === undefined) return url;
  return `${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(config.databaseSslCaFile)}`;
}

/**
 * A worker listens for the primary's drain message from its first moment: a drain sent while it
 * is still starting is kept, not lost, and starts as soon as it can serve.
 */
function drainRequests(): { onDrain: (handler: () => void) => void } {
  let requested = false;
  let handler: (() => void) | undefined;
  process.on('message', (message) => {
    if (message !== DRAIN_MESSAGE) return;
    requested = true;
    handler?.();
  });
  return {
    onDrain: (next) => {
      handler = next;
      if (requested) next();
    },
  };
}

async function main(): Promise<void> {
  const drain = cluster.isWorker ? drainRequests() : undefined;
  let config: ServerConfig;
  let credentials: CredentialsProvider;
  let tracing: StartedTracing | undefined;
  try {
    config = loadServerConfig();
    // In each serving process (every worker, or the only process), before the secret is read and the
    // app is built, which registers the request span plugin then (tracing/plugin.ts). A cluster
    // primary serves nothing and traces nothing. Off (the default), nothing is loaded.
    if (cluster.isWorker || config.workers <= 1) tracing = await startTracing(process.env);
    credentials = credentialsFromConfig(config);
    // A secret that is missing, unreadable or malformed stops start-up here, named (never echoed).
    await credentials.current();
  } catch (error) {
    stopOnConfigError(error);
  }
  // Workers never migrate: their primary did, once, before forking them.
  if (config.migrateOnStart && cluster.isPrimary) {
    const applied = await migrateDeploy(migrationUrl(config, connectionUrl(await credentials.current())));
    if (applied.length > 0) console.log(JSON.stringify({ level: 30, msg: 'applied migrations', applied }));
  }
  if (cluster.isPrimary && config.workers > 1) {
    runPrimary({
      workers: config.workers,
      drainWindowMs: config.drainWindowMs,
      shutdownDeadlineMs: config.shutdownDeadlineMs,
    });
    return;
  }
  // Imported here, not at the top: a cluster primary never builds the app and stays small.
  const { buildApp } = await import('./app.ts');
  // A worker shares the instance's start-up gate through its primary (cluster-primary.ts, STARTED_ENV).
  const servingGate = cluster.isWorker
    ? { startedBefore: process.env[STARTED_ENV] === '1', onStarted: () => process.send?.(STARTED_MESSAGE) }
    : undefined;
  const app = await buildApp({ config, credentials, servingGate }).catch(stopOnConfigError);

  // One connection before listening: a wrong CA bundle or host name is a deployment mistake and
  // stops start-up; an unreachable database is an outage, which readiness reports instead.
  try {
    await app.database.pool.query('SELECT 1');
  } catch (error) {
    const params = credentials.cached();
    const tls =
      config.databaseSslCaFile !== undefined && params !== undefined
        ? describeTlsFailure(error, { caFile: config.databaseSslCaFile, host: params.host, port: params.port })
        : undefined;
    if (tls !== undefined) {
      console.error(`taskboard-api: configuration error: ${tls}`);
      process.exit(EX_CONFIG);
    }
    app.log.warn({ err: error }, 'database not reachable at start-up; readiness will report it');
  }

  // While draining, ask clients to open their next request elsewhere.
  app.addHook('onSend', async (_request, reply) => {
    if (app.draining) reply.header('connection', 'close');
  });

  let stopping = false;
  const stop = (signal: string): void => {
    // A worker leaves a repeated signal to its primary, which forces the exit of every worker.
    if (stopping && drain !== undefined) return;
    if (stopping) {
      app.log.warn({ signal, reason: 'second signal' }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.draining = true;
    app.log.info({ signal, drainWindowMs: config.drainWindowMs }, 'draining: readiness fails, still serving');
    void (async () => {
      await sleep(config.drainWindowMs);
      const deadline = setTimeout(() => {
        app.log.error(
          { reason: 'deadline', shutdownDeadlineMs: config.shutdownDeadlineMs },
          'shutdown deadline passed with requests still in flight: exiting',
        );
        process.exit(1);
      }, config.shutdownDeadlineMs);
      deadline.unref();
      app.log.info('drain window over: closing the listener and finishing in-flight requests');
      try {
        // Stops accepting, answers 503 on kept-alive sockets, closes idle ones
        // (forceCloseConnections: 'idle'), waits for in-flight requests, then closes the pool.
        await app.close();
        // Buffered spans are sent before exiting; a failure here is the collector's, not ours.
        await tracing?.shutdown().catch((error: unknown) => app.log.warn({ err: error }, 'could not flush traces'));
        app.log.info('shut down cleanly');
        process.exit(0);
      } catch (error) {
        app.log.error({ err: error, reason: 'close failed' }, 'error while closing');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  drain?.onDrain(() => stop('primary'));
  await app.listen({ host: config.host, port: config.port });
  warmUpSchemas(app);
}

/**
 * Compiles the validators and serializers no request has needed yet, in the background right after
 * listening (plugins/deferred-compilation.ts): start-up no longer waits for them, and neither does
 * the first request of a route on a new instance. A schema that does not compile is a broken build,
 * as it was when Fastify compiled them all before listening: the process stops.
 */
function warmUpSchemas(app: FastifyInstance): void {
  const started = performance.now();
  app.schemaCompilations.warmUp().then(
    () =>
      app.log.info(
        { compiled: app.schemaCompilations.stats().compiled, ms: Math.round(performance.now() - started) },
        'validators and serializers compiled',
      ),
    (error: unknown) => {
      app.log.fatal({ err: error }, 'a route schema does not compile');
      process.exit(1);
    },
  );
}

main().catch((error: unknown) => {
  console.error('taskboard-api: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
