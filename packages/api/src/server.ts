/**
 * Process entry: configuration → (optional) migrations → listen → graceful shutdown.
 * On SIGTERM/SIGINT readiness fails at once, in-flight requests finish and the process
 * exits 0; a second signal or the deadline forces exit.
 */
import { buildApp } from './app.ts';
import { ConfigError, loadServerConfig, type ServerConfig } from './config.ts';
import { migrateDeploy } from './db/migrations.ts';

const SHUTDOWN_DEADLINE_MS = 25_000;

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadServerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`taskboard-api: configuration error: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (config.migrateOnStart) {
    const applied = await migrateDeploy(config.databaseUrl);
    if (applied.length > 0) console.log(JSON.stringify({ level: 30, msg: 'applied migrations', applied }));
  }
  const app = await buildApp({ config });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.draining = true;
    app.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      app.log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  console.error('taskboard-api: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
