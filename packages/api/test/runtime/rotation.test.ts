/**
 * Password rotation under load, for real: a dedicated login role's password is changed in
 * PostgreSQL while requests stream in, and the secret source (aws-sdk-client-mock at the SDK
 * boundary; the real Secrets Manager is not exercised) starts returning the new value a moment
 * later. Requests must succeed or fail fast with 503 + Retry-After, and every acknowledged
 * create must exist exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { paramsFromUrl } from '../../src/db/credentials.ts';
import { authHeader, createTestDatabase, testConfig, withClient } from '../helpers/stack.ts';

const SECRET_ID = 'taskboard/test/rotation';

t.test('rotating the password under a stream of writes loses and duplicates nothing', async (t) => {
  const adminUrl = await createTestDatabase(t);
  const admin = paramsFromUrl(adminUrl);
  const role = `rot_${randomUUID().slice(0, 8)}`;
  const oldPassword = 'old:p@ss/%1';
  const newPassword = 'new:p@ss/%2';
  await withClient(adminUrl, async (client) => {
    await client.query(`SET password_encryption = 'scram-sha-256'`);
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${oldPassword}'`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  });
  t.teardown(async () => {
    await withClient(adminUrl, (client) => client.query(`DROP OWNED BY ${role}`)).catch(() => undefined);
    await withClient(adminUrl.replace(/\/[^/]*$/, '/postgres'), (client) =>
      client.query(`DROP ROLE IF EXISTS ${role}`),
    );
  });

  const secretFor = (password: string): string =>
    JSON.stringify({
      engine: 'postgres',
      host: admin.host,
      port: admin.port,
      username: role,
      password,
      dbname: admin.database,
    });
  let secretString = secretFor(oldPassword);
  const sm = mockClient(SecretsManagerClient);
  t.teardown(() => sm.restore());
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).callsFake(() => ({ SecretString: secretString }));

  const app = await buildApp({
    config: testConfig('unused', {
      databaseUrl: undefined,
      databaseSecretId: SECRET_ID,
      awsRegion: 'eu-west-1',
      databasePoolMax: 4,
      databaseConnectTimeoutMs: 2_000,
      // Connections are replaced every second, as a lifetime does in production (1800 s there),
      // so new connections meet the new password while the stream goes on.
      databaseMaxLifetimeSeconds: 1,
    }),
    logger: process.env.ROTATION_DEBUG ? { level: 'warn' } : false,
  });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const headers = { ...(await authHeader('alice')), 'content-type': 'application/json' };

  const acknowledged = new Map<string, string>(); // idempotency key → project id
  const statuses = new Map<number, number>();
  let unavailableWithoutRetryAfter = 0;
  let slowest = 0;
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      const key = randomUUID();
      // The client's loop: the same key until the create is acknowledged.
      for (;;) {
        const started = Date.now();
        const response = await fetch(`${base}/v1/projects`, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': key },
          body: JSON.stringify({ name: `p-${key}` }),
        });
        slowest = Math.max(slowest, Date.now() - started);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const body = (await response.json()) as { id?: string };
        if (response.status === 201) {
          acknowledged.set(key, body.id ?? '');
          break;
        }
        if (response.status === 503 && response.headers.get('retry-after') === null) unavailableWithoutRetryAfter++;
        if (response.status !== 503) break;
        await sleep(20);
      }
    }
  };
  // Warm up (JWKS, user row) before the stream starts.
  t.equal((await fetch(`${base}/v1/me`, { headers })).status, 200);
  const workers = Array.from({ length: 6 }, () => worker());

  await sleep(1_000);
  const before = acknowledged.size;
  // Rotation as Secrets Manager does it: the password changes in the database first...
  await withClient(adminUrl, (client) => client.query(`ALTER ROLE ${role} PASSWORD '${newPassword}'`));
  await sleep(1_500);
  // ...then the secret's current version moves to the new password.
  secretString = secretFor(newPassword);
  await sleep(1_500);
  running = false;
  await Promise.all(workers);

  const failures = [...statuses].filter(([status]) => status !== 201).reduce((sum, [, n]) => sum + n, 0);
  t.comment(
    `creates acknowledged: ${acknowledged.size} (${before} before rotation); responses by status: ` +
      `${JSON.stringify(Object.fromEntries(statuses))}; failed (retried) requests: ${failures}; ` +
      `slowest: ${slowest} ms; secret reads: ${sm.commandCalls(GetSecretValueCommand).length}; ` +
      `re-reads after a rejected password: ${app.database.pool.authRefreshes}`,
  );
  t.ok(acknowledged.size > before, 'writes went on after the rotation without a restart');
  t.same(
    [...statuses.keys()].filter((status) => status !== 201 && status !== 503),
    [],
    'only 201 or 503',
  );
  t.equal(unavailableWithoutRetryAfter, 0, 'every 503 has Retry-After');
  t.ok(slowest < 5_000, 'no request hung');
  t.ok(app.database.pool.authRefreshes > 0, 'the rejected password made the pool re-read the secret');
  for (const call of sm.commandCalls(GetSecretValueCommand)) t.same(call.args[0].input, { SecretId: SECRET_ID });

  const rows = await withClient(adminUrl, async (client) => {
    const result = await client.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    return result.rows;
  });
  const names = rows.map((row) => row.name);
  t.equal(new Set(names).size, names.length, 'no create was written twice');
  t.equal(rows.length, acknowledged.size, 'every row is an acknowledged create');
  const ids = new Set(rows.map((row) => row.id));
  t.ok(
    [...acknowledged.values()].every((id) => ids.has(id)),
    'every acknowledged create is stored',
  );
  // Under the new password the app still answers.
  const ready = await fetch(`${base}/health/ready`);
  t.equal(ready.status, 200);
});
