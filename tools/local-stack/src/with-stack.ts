#!/usr/bin/env node
/**
 * Runs a command (the test runner) with one throwaway PostgreSQL server and one local
 * Cognito for the whole run, shared by every test file. Packages that depend on
 * @taskboard/local-stack run it through its bin, e.g. the api's `"test": "with-local-stack tap"`:
 *
 *   with-local-stack tap
 *
 * The child gets TASKBOARD_TEST_STACK (JSON, see TestStack). Test files isolate themselves
 * by creating their own database on the shared server. With DATABASE_URL set, that server
 * is used instead of an embedded one (the role needs CREATEDB).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCognitoLocal } from './cognito.ts';
import { startEmbeddedPostgres } from './postgres.ts';
import { createUser, createUserPool } from './user-pool.ts';
import type { TestStack, TestUser } from './with-stack-types.ts';

const PASSWORD = 'Test-password-1';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    console.error('usage: with-local-stack <command> [args...]');
    return 2;
  }
  const started = Date.now();
  const postgres = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const cognitoDir = await mkdtemp(join(tmpdir(), 'taskboard-cognito-'));
  const cognito = await startCognitoLocal({ dataDir: cognitoDir });
  try {
    const pool = await createUserPool(cognito.endpoint, 'taskboard-test');
    const users: Record<string, TestUser> = {};
    for (const name of ['alice', 'bob', 'carol', 'admin'] as const) {
      const email = `${name}@example.test`;
      const sub = await createUser(cognito.endpoint, pool, {
        email,
        password: PASSWORD,
        groups: name === 'admin' ? ['admin'] : [],
      });
      users[name] = { email, password: PASSWORD, sub };
    }
    const stack: TestStack = {
      serverUrl: process.env.DATABASE_URL ?? postgres?.url ?? '',
      cognito: {
        endpoint: cognito.endpoint,
        poolId: pool.poolId,
        clientId: pool.clientId,
        issuer: cognito.issuerFor(pool.poolId),
      },
      users: users as TestStack['users'],
    };
    console.log(`# local stack ready in ${Date.now() - started} ms (PostgreSQL + Cognito emulator)`);
    const child = spawn(command, args, {
      stdio: 'inherit',
      env: { ...process.env, TASKBOARD_TEST_STACK: JSON.stringify(stack) },
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await cognito.stop();
    await rm(cognitoDir, { recursive: true, force: true });
    await postgres?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('with-local-stack failed:', error);
    process.exit(1);
  },
);
