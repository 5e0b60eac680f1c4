// `npm start` never attaches to a Cognito emulator it did not start: when COGNITO_PORT (default 9229, which
// is also Node's --inspect port) is taken, start-up fails and says which port and which variable to change.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { cognitoPortFrom, DEFAULT_COGNITO_PORT, startCognitoLocal } from '../src/cognito.ts';
import { assertPortFree, PortInUseError } from '../src/free-port.ts';

const START = fileURLToPath(new URL('../src/start.ts', import.meta.url));

async function listen(host: string): Promise<{ server: Server; port: number }> {
  // Any HTTP server: it answers every connection, as an emulator we did not start would.
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // probes hang up at once
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, port: address.port };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

t.test('COGNITO_PORT picks the port, 9229 by default, and is validated', async (t) => {
  t.equal(DEFAULT_COGNITO_PORT, 9229);
  t.equal(cognitoPortFrom({}), 9229);
  t.equal(cognitoPortFrom({ COGNITO_PORT: ' 9330 ' }), 9330);
  for (const bad of ['0', '65536', 'abc', '92.29', '-1']) {
    t.throws(() => cognitoPortFrom({ COGNITO_PORT: bad }), { message: /^COGNITO_PORT must be a TCP port/ });
  }
});

t.test('a port taken on loopback or on every address is refused', async (t) => {
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    const { server, port } = await listen(host);
    t.teardown(() => close(server));
    await t.rejects(assertPortFree(port, '127.0.0.1', 'the emulator', 'COGNITO_PORT'), PortInUseError, host);
  }
  const { server, port } = await listen('127.0.0.1');
  await close(server);
  await t.resolves(assertPortFree(port, '127.0.0.1', 'the emulator'), 'a released port is free again');
});

t.test('startCognitoLocal does not mistake another server on its port for the emulator', async (t) => {
  // The old code spawned cognito-local (which failed to bind) and then polled the port: this HTTP server
  // answered the poll, so start-up "succeeded" against it.
  const { server, port } = await listen('127.0.0.1');
  t.teardown(() => close(server));
  const dataDir = await mkdtemp(join(tmpdir(), 'taskboard-cognito-test-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  await t.rejects(startCognitoLocal({ dataDir, port, portVariable: 'COGNITO_PORT' }), {
    name: 'PortInUseError',
    message: new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use.*set COGNITO_PORT to a free port`),
  });
});

t.test('npm start fails with a message naming the port and COGNITO_PORT when the port is taken', async (t) => {
  const { server, port } = await listen('127.0.0.1');
  t.teardown(() => close(server));
  const localDir = await mkdtemp(join(tmpdir(), 'taskboard-local-test-'));
  t.teardown(() => rm(localDir, { recursive: true, force: true }));
  const { AUTH_ISSUERS: _issuers, AUTH_CLIENT_IDS: _clientIds, DATABASE_URL: _databaseUrl, ...env } = process.env;
  const child = spawn(process.execPath, [START], {
    env: {
      ...env,
      COGNITO_PORT: String(port),
      TASKBOARD_LOCAL_DIR: localDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 1, 'start-up fails');
  t.match(output, `[local-stack] failed to start: port ${port} on 127.0.0.1 is already in use`);
  t.match(output, `set COGNITO_PORT to a free port (e.g. COGNITO_PORT=${port + 1} npm start)`);
  t.notMatch(output, /at .*\.ts:\d+/, 'no stack trace buries the message');
  t.notMatch(output, /starting embedded PostgreSQL/, 'the port is checked before anything starts');
  t.notMatch(output, /API\s+http/, 'the api was never started');
});
