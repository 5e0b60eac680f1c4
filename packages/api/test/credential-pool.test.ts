/**
 * CredentialPool against a real PostgreSQL login role whose password changes: pool.query(), the
 * path of every hot statement and of Prisma's adapter, connects without re-reading the credentials
 * while they are loaded, and a rejected password still makes it re-read them and retry, up to
 * authRetries times.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { CredentialPool } from '../src/db/credential-pool.ts';
import { cachedCredentials, paramsFromUrl } from '../src/db/credentials.ts';
import { createTestDatabase, withClient, type Tap } from './helpers/stack.ts';

function asAdmin(url: string, sql: string): Promise<unknown> {
  return withClient(url, (client) => client.query(sql));
}

async function roleWithPassword(t: Tap, password: string): Promise<{ adminUrl: string; role: string }> {
  const adminUrl = await createTestDatabase(t, { migrated: false });
  const role = `cp_${randomUUID().slice(0, 8)}`;
  await asAdmin(adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  t.teardown(() => asAdmin(adminUrl.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`));
  return { adminUrl, role };
}

/** A pool on `role` whose credential source answers `password()` and counts its reads. */
function poolFor(adminUrl: string, role: string, password: () => string, authRetries = 3) {
  const reads = { count: 0 };
  const credentials = cachedCredentials('test', async () => {
    reads.count++;
    return { ...paramsFromUrl(adminUrl), user: role, password: password() };
  });
  const pool = new CredentialPool({ credentials, max: 2, connectTimeoutMs: 2_000, authRetries, authRetryDelayMs: 10 });
  const waits: number[] = [];
  pool.onWait = (ms) => waits.push(ms);
  return { pool, reads, waits };
}

t.test('a password rotated under a running pool: one re-read, then the statement runs', async (t) => {
  let password = 'old-password';
  const { adminUrl, role } = await roleWithPassword(t, password);
  const { pool, reads, waits } = poolFor(adminUrl, role, () => password);
  t.teardown(() => pool.end());

  t.equal((await pool.query<{ n: number }>('SELECT 1 AS "n"')).rows[0]?.n, 1);
  t.equal(reads.count, 1, 'the first statement loads the credentials');
  await pool.query('SELECT 2');
  t.equal(reads.count, 1, 'later ones use them as loaded');

  // The database has the new password before the source does, then the source too.
  await asAdmin(adminUrl, `ALTER ROLE ${role} PASSWORD 'new-password'`);
  password = 'new-password';
  // The open connection keeps working (PostgreSQL does not end sessions); hold it, so the next
  // statement needs a new connection, which the cached old password opens no more.
  const held = await pool.connect();
  t.teardown(() => held.release());
  t.equal((await pool.query<{ n: number }>('SELECT 3 AS "n"')).rows[0]?.n, 3, 'the statement runs');
  t.equal(pool.authRefreshes, 1, 'after one re-read of the credentials');
  t.equal(reads.count, 2);
  t.ok(waits.length >= 4 && waits.every((ms) => ms >= 0), 'every connect reports its wait');
});

t.test('a password the source never catches up with: authRetries re-reads, then a clear error', async (t) => {
  const { adminUrl, role } = await roleWithPassword(t, 'right-password');
  let password = 'right-password';
  const { pool, reads } = poolFor(adminUrl, role, () => password, 2);
  t.teardown(() => pool.end());
  await pool.query('SELECT 1');
  const held = await pool.connect();
  t.teardown(() => held.release());

  password = 'wrong-password';
  await asAdmin(adminUrl, `ALTER ROLE ${role} PASSWORD 'another-password'`);
  await t.rejects(pool.query('SELECT 1'), {
    name: 'DatabaseUnavailableError',
    message: 'the database rejected the credentials',
  });
  t.equal(pool.authRefreshes, 2, 'two re-reads (authRetries)');
  t.equal(reads.count, 3);
});
