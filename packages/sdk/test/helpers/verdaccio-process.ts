/**
 * Child-process entry of local-registry.ts: runs verdaccio with the config file given as the only
 * argument on a port the OS picks, then prints `{"port":N}` on one stdout line. Its own process, so
 * the test can always kill it, whatever verdaccio leaves open.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runServer } from 'verdaccio';

const [configPath] = process.argv.slice(2);
if (!configPath) throw new Error('usage: verdaccio-process.ts <config.yaml>');
// runServer is typed `Promise<any>`; it resolves to a node:http Server for an http listen address.
const server = (await runServer(configPath)) as Server;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
// The parent closes our stdin when it goes away (even on a crash): leave with it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
