import { connect, createServer } from 'node:net';

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port we were told to use is taken by a process we did not start. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  readonly port: number;
  constructor(port: number, message: string) {
    super(message);
    this.port = port;
  }
}

/** Whether something accepts connections on host:port (a server on 0.0.0.0 or `localhost` answers here too). */
async function answers(port: number, host: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function canListen(port: number, host: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails unless `port` is free on `host`: both nothing answering there and binding it must hold, because
 * a server on another address of the same port (0.0.0.0, ::) either answers or blocks the bind.
 * @param what names the server that wanted the port, e.g. "the local Cognito emulator"
 * @param variable names the environment variable that picks another port
 */
export async function assertPortFree(port: number, host: string, what: string, variable?: string): Promise<void> {
  if (!(await answers(port, host)) && (await canListen(port, host))) return;
  const hint = variable ? `, or set ${variable} to a free port (e.g. ${variable}=${port + 1} npm start)` : '';
  throw new PortInUseError(
    port,
    `port ${port} on ${host} is already in use, so ${what} cannot listen there. Something else owns it (another ` +
      `\`npm start\`, a cognito-local you started yourself, a Node debugger: 9229 is also the --inspect port). ` +
      `It is never reused as if it were ours: stop that process${hint}.`,
  );
}
