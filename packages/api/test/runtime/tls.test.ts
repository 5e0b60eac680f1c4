/**
 * verify-full TLS against a real PostgreSQL serving a certificate from a CA this test creates
 * (openssl CLI): the right CA connects; another CA, a host name the certificate does not name,
 * or a server without TLS are refused with a message that says which.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@taskboard/local-stack';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { staticCredentials } from '../../src/db/credentials.ts';
import { describeTlsFailure, loadCaBundle } from '../../src/db/tls.ts';
import { createDatabase } from '../../src/db/prisma-client.ts';
import { testConfig, testStack } from '../helpers/stack.ts';

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

function makeCertificates(): { dir: string; ca: string; otherCa: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-tls-'));
  chmodSync(dir, 0o755);
  const path = (name: string): string => join(dir, name);
  for (const name of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=Taskboard test ${name}`,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.pem`),
    );
  }
  writeFileSync(path('ext.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    path('ext.cnf'),
    '-out',
    path('server.pem'),
  );
  chmodSync(path('server.pem'), 0o644);
  // PostgreSQL runs as the OS user postgres (tests run as root) and wants its key private.
  chmodSync(path('server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(path('server.key'), uid, gid);
  }
  return { dir, ca: path('ca.pem'), otherCa: path('other-ca.pem'), cert: path('server.pem'), key: path('server.key') };
}

const certificates = makeCertificates();
const postgres = await startEmbeddedPostgres({
  postgresFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${certificates.cert}`, '-c', `ssl_key_file=${certificates.key}`],
});
t.teardown(async () => {
  await postgres.stop();
  rmSync(certificates.dir, { recursive: true, force: true });
});
const urlFor = (host: string): string => postgres.url.replace('127.0.0.1', host);

async function attempt(url: string, caFile: string): Promise<unknown> {
  const { pool } = createDatabase({ credentials: staticCredentials(url), poolMax: 1, sslCa: loadCaBundle(caFile) });
  try {
    const result = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return result.rows[0];
  } catch (error) {
    return error;
  } finally {
    await pool.end();
  }
}

t.test('the CA that signed the server certificate connects, over TLS', async (t) => {
  t.same(await attempt(urlFor('localhost'), certificates.ca), { ssl: true });
  // And through the app: Prisma over the same verified pool.
  const app = await buildApp({
    config: testConfig(urlFor('localhost'), { databaseSslCaFile: certificates.ca }),
    logger: false,
  });
  t.teardown(() => app.close());
  t.same(await app.prisma.$queryRaw`SELECT 1 AS one`, [{ one: 1 }]);
});

t.test('another CA is refused, naming DATABASE_SSL_CA_FILE', async (t) => {
  const error = await attempt(urlFor('localhost'), certificates.otherCa);
  t.type(error, Error);
  const message = describeTlsFailure(error, { caFile: certificates.otherCa, host: 'localhost', port: postgres.port });
  t.match(
    message,
    /^TLS to PostgreSQL at localhost:\d+ refused: the server's certificate is not signed by a CA in DATABASE_SSL_CA_FILE/,
  );
});

t.test('a host name the certificate does not name is refused', async (t) => {
  const error = await attempt(urlFor('127.0.0.1'), certificates.ca);
  t.type(error, Error);
  const message = describeTlsFailure(error, { caFile: certificates.ca, host: '127.0.0.1', port: postgres.port });
  t.match(message, /not valid for the host name "127.0.0.1"/);
});

t.test('a server without TLS is refused', async (t) => {
  const plain = new URL(testStack().serverUrl);
  const error = await attempt(plain.toString(), certificates.ca);
  const message = describeTlsFailure(error, {
    caFile: certificates.ca,
    host: plain.hostname,
    port: Number(plain.port),
  });
  t.match(message, /does not support TLS/);
  t.equal(describeTlsFailure(new Error('boom'), { caFile: 'x', host: 'h', port: 1 }), undefined);
});

t.test('a missing or non-PEM CA bundle stops start-up naming the variable', async (t) => {
  t.throws(() => loadCaBundle(join(certificates.dir, 'missing.pem')), {
    name: 'ConfigError',
    message: /^DATABASE_SSL_CA_FILE ".*missing.pem" cannot be read: ENOENT/,
  });
  t.throws(() => loadCaBundle(join(certificates.dir, 'ext.cnf')), { message: /holds no PEM certificate/ });
});

t.test('the server process exits 78 with the reason when the CA is wrong', async (t) => {
  const { cognito } = testStack();
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/server.ts', import.meta.url))], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: urlFor('localhost'),
      DATABASE_SSL_CA_FILE: certificates.otherCa,
      AUTH_ISSUERS: cognito.issuer,
      AUTH_CLIENT_IDS: cognito.clientId,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 78);
  t.match(stderr, /configuration error: TLS to PostgreSQL at localhost:\d+ refused: .* DATABASE_SSL_CA_FILE/);
});
