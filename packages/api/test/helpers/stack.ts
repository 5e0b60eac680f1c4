import { createPrivateKey, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { signIn, type TestStack } from '@taskboard/local-stack';
import { buildApp } from '../../src/app.ts';
import type { AppConfig } from '../../src/config.ts';
import { migrateDeploy } from '../../src/db/migrations.ts';

export type Tap = { teardown: (fn: () => unknown) => void };
export type UserName = keyof TestStack['users'];

let cached: TestStack | undefined;

/** The shared PostgreSQL + Cognito of this test run (started by tools/local-stack/src/with-stack.ts). */
export function testStack(): TestStack {
  if (cached) return cached;
  const raw = process.env.TASKBOARD_TEST_STACK;
  if (!raw) throw new Error('TASKBOARD_TEST_STACK is not set: run the tests with `npm test`');
  cached = JSON.parse(raw) as TestStack;
  return cached;
}

function urlFor(database: string): string {
  const url = new URL(testStack().serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const TEMPLATE = 'taskboard_test_template';
const LOCK_ID = 727_001;
let counter = 0;

/** A client of its own on `url` for `fn`, ended afterwards (e.g. as a superuser, or as a role under test). */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A superuser client on the shared server's default database, for `fn`. */
export function withServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(testStack().serverUrl, fn);
}

/**
 * A database of its own for a test file, copied from a template migrated once per run
 * (test files run in parallel processes; an advisory lock serialises the template work).
 */
export async function createTestDatabase(t: Tap, options: { migrated?: boolean } = {}): Promise<string> {
  const name = `tb_${process.pid}_${++counter}_${randomUUID().slice(0, 8)}`;
  await withServer(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      if (options.migrated === false) {
        await client.query(`CREATE DATABASE ${name}`);
        return;
      }
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE DATABASE ${TEMPLATE}_wip`);
        await migrateDeploy(urlFor(`${TEMPLATE}_wip`));
        await client.query(`ALTER DATABASE ${TEMPLATE}_wip RENAME TO ${TEMPLATE}`);
      }
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
  });
  t.teardown(() => withServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return urlFor(name);
}

export function testConfig(databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  const { cognito } = testStack();
  return {
    databaseUrl,
    databasePoolMax: 5,
    auth: {
      issuers: [cognito.issuer],
      clientIds: [cognito.clientId],
      tokenUse: ['access'],
      clockSkewSeconds: 5,
      jwksRefetchIntervalMs: 30_000,
      jwksCacheTtlMs: 3_600_000,
    },
    corsOrigins: ['http://localhost:5173'],
    // High enough that no test meets a limit unless it sets its own (many send bad tokens from one address).
    rateLimit: { max: 10_000, windowMs: 60_000, anonymousMax: 10_000 },
    bodyLimitBytes: 16_384,
    idempotencyTtlSeconds: 3600,
    logLevel: 'silent',
    docs: true,
    trustRequestId: true,
    ...overrides,
  };
}

/**
 * A fresh app on a fresh database, closed when the test ends. With `databaseUrl`, on that database
 * instead (several instances of the api on one database, as in production).
 */
export async function buildTestApp(
  t: Tap,
  overrides: Partial<AppConfig> = {},
  options: { migrated?: boolean; logger?: Parameters<typeof buildApp>[0]['logger']; databaseUrl?: string } = {},
): Promise<FastifyInstance> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase(t, { migrated: options.migrated }));
  const app = await buildApp({ config: testConfig(databaseUrl, overrides), logger: options.logger ?? false });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

const tokens = new Map<string, Promise<{ accessToken: string; idToken: string }>>();

/** Real tokens from the local Cognito, one sign-in per user per process. */
export async function tokensFor(user: UserName): Promise<{ accessToken: string; idToken: string }> {
  const { cognito, users } = testStack();
  let found = tokens.get(user);
  if (!found) {
    found = signIn(cognito.endpoint, cognito.clientId, users[user].email, users[user].password);
    tokens.set(user, found);
  }
  return await found;
}

export async function authHeader(user: UserName): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${(await tokensFor(user)).accessToken}` };
}

/**
 * The Authorization headers of `users`, each of whom has called the api once (GET /v1/me): a user
 * is on record in the api's database (the row memberships refer to, with their email) from their
 * first request on.
 */
export async function signedIn<N extends UserName>(
  app: FastifyInstance,
  ...users: N[]
): Promise<Record<N, { authorization: string }>> {
  const headers = {} as Record<N, { authorization: string }>;
  for (const user of users) {
    headers[user] = await authHeader(user);
    const me = await app.inject({ method: 'GET', url: '/v1/me', headers: headers[user] });
    if (me.statusCode !== 200) throw new Error(`GET /v1/me as ${user}: ${me.statusCode} ${me.body}`);
  }
  return headers;
}

/**
 * Tokens the emulator would never issue (expired, wrong claims), signed with the emulator's
 * own key (it ships in the cognito-local package and is what its JWKS publishes), so only
 * the claim under test is wrong.
 */
export function emulatorKey(): KeyObject {
  const require = createRequire(import.meta.url);
  const path = require.resolve('cognito-local/lib/keys/cognitoLocal.private.json');
  const { jwk } = JSON.parse(readFileSync(path, 'utf8')) as { jwk: Record<string, string> };
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

export function otherKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signToken(
  claims: Record<string, unknown>,
  options: { key?: KeyObject; header?: Record<string, unknown> } = {},
): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal', ...options.header };
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = createSign('RSA-SHA256')
    .update(input)
    .sign(options.key ?? emulatorKey())
    .toString('base64url');
  return `${input}.${signature}`;
}

/** Claims of a valid access token for `user`; override one to break it. */
export function accessClaims(user: UserName, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { cognito, users } = testStack();
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: users[user].sub,
    iss: cognito.issuer,
    client_id: cognito.clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    username: users[user].sub,
    iat: now,
    auth_time: now,
    exp: now + 3600,
    ...overrides,
  };
}

export function json(response: { body: string }): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
