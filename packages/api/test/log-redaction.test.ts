import { Writable } from 'node:stream';
import t from 'tap';
import { loggerOptions } from '../src/fastify-options.ts';
import { scrubLogFields } from '../src/http/log-redaction.ts';
import { authHeader, buildTestApp } from './helpers/stack.ts';

/** An app on the production logger options, its lines collected as text. */
async function appWithLines(t: Parameters<typeof buildTestApp>[0]) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildTestApp(t, {}, { logger: loggerOptions('info', { stream }) });
  return { app, lines };
}

t.test('no kind of secret-carrying object or error reaches a log line', async (t) => {
  const { app, lines } = await appWithLines(t);
  const secret = (n: number) => `s3cr3t-${n}-value`;
  const log = app.log.child({ requestId: 'child like a request logger' });

  // What configuration and credentials look like in this code base (config.ts, db/credentials.ts).
  log.info({ config: { logLevel: 'info', databaseUrl: `postgres://app:${secret(1)}@db:5432/taskboard` } }, 'config');
  log.info({ deployment: { database: { config: { databaseUrl: `postgres://app:${secret(2)}@db/x` } } } }, 'deep');
  log.info({ params: { user: 'app', password: secret(3), host: 'db', port: 5432, database: 'x' } }, 'credentials');
  // A Secrets Manager answer (GetSecretValue's SecretString holds the RDS secret's JSON).
  log.info({ response: { Name: 'db', SecretString: JSON.stringify({ password: secret(4) }) } }, 'secret read');
  log.info({ tokens: { accessToken: secret(5), idToken: secret(6), refresh_token: secret(7) } }, 'tokens');
  log.info({ token: secret(8), dbPassword: secret(9), headers: { 'x-api-key': secret(10) } }, 'top level');
  log.info({ target: new URL(`postgres://app:${secret(11)}@db/x`), list: [{ password: secret(12) }] }, 'url, array');
  log.info({ note: `retrying with Bearer ${secret(13)}`, shout: `BEARER ${secret(20)}` }, 'a quoted bearer token');

  // Errors: in the message, as fields, nested, as a cause, inside an AggregateError.
  const connect = new Error(`connect ECONNREFUSED for postgres://app:${secret(14)}@db:5432/x`);
  const withFields = Object.assign(new Error('secret rejected'), { password: secret(15), code: 'E_AUTH' });
  const withConfig = Object.assign(new TypeError('bad config'), { config: { databaseUrl: `x://u:${secret(16)}@h` } });
  const withCause = new Error('outer', { cause: Object.assign(new Error('inner'), { secret: secret(17) }) });
  const aggregate = new AggregateError([Object.assign(new Error('one'), { token: secret(18) })], 'several');
  for (const err of [connect, withFields, withConfig, withCause, aggregate]) log.error({ err }, 'failed');

  // A real request with a real token, answered by an error line's path too.
  const headers = await authHeader('alice');
  await app.inject({ method: 'GET', url: '/v1/me', headers });
  await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${secret(19)}` } });
  await new Promise((resolve) => setTimeout(resolve, 50));

  const all = lines.join('\n');
  for (let n = 1; n <= 20; n += 1) t.notOk(all.includes(secret(n)), `secret ${n} is not logged`);
  t.notOk(all.includes(headers.authorization.slice('Bearer '.length)), 'the real token is not logged');

  // What is not secret is still there to read.
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const byMsg = (msg: string) => entries.filter((entry) => entry.msg === msg);
  t.match(byMsg('config')[0], { config: { logLevel: 'info', databaseUrl: '[redacted]' } });
  t.match(byMsg('credentials')[0], { params: { user: 'app', password: '[redacted]', host: 'db', port: 5432 } });
  t.match(byMsg('url, array')[0], { target: 'postgres://app:[redacted]@db/x', list: [{ password: '[redacted]' }] });
  t.match(byMsg('a quoted bearer token')[0], { note: 'retrying with Bearer [redacted]' });
  const errors = byMsg('failed').map((entry) => entry.err as Record<string, unknown>);
  t.match(errors[0], { type: 'Error', message: 'connect ECONNREFUSED for postgres://app:[redacted]@db:5432/x' });
  t.match(errors[0]?.stack, /^Error: connect ECONNREFUSED for postgres:\/\/app:\[redacted\]@db/);
  t.match(errors[1], { type: 'Error', message: 'secret rejected', password: '[redacted]', code: 'E_AUTH' });
  t.match(errors[2], { type: 'TypeError', config: { databaseUrl: '[redacted]' } });
  // pino writes a cause into the stack ("caused by"), not its fields; scrubbed all the same.
  t.match(errors[3], { message: 'outer', stack: /caused by: Error: inner/ });
  t.match(errors[4], { type: 'AggregateError', aggregateErrors: [{ message: 'one', token: '[redacted]' }] });
  t.ok(
    entries.some(
      (entry) => entry.msg === 'request completed' && (entry.res as { statusCode?: number }).statusCode === 401,
    ),
    'the rejected request has its line',
  );
});

t.test("a request line writes Fastify's request fields and no header, whatever the request carried", async (t) => {
  const { app, lines } = await appWithLines(t);
  const headers = { ...(await authHeader('alice')), cookie: 'session=s3cr3t-cookie', 'x-api-key': 's3cr3t-key' };
  const response = await app.inject({ method: 'GET', url: '/v1/me?x=1', headers, remoteAddress: '10.0.0.7' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const line = lines
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .find((entry) => entry.requestId === response.headers['x-request-id'] && entry.msg === 'request completed');
  t.same(line?.req, { method: 'GET', url: '/v1/me?x=1', host: 'localhost:80', remoteAddress: '10.0.0.7' });
  t.same(line?.res, { statusCode: 200 });
  t.notMatch(lines.join('\n'), /s3cr3t|Bearer/);
});

t.test('a request completion line passes through unchanged, without a copy', (t) => {
  const line = {
    req: { headers: { authorization: 'Bearer x' } },
    res: {},
    responseTime: 1.5,
    operation: 'getTask',
    sub: '4f1c',
    clientRequestId: undefined,
  };
  t.equal(scrubLogFields(line), line, 'req and res are left to their serializers and redaction paths');
  const errored = { ...line, err: new Error('no secret here') };
  t.equal(scrubLogFields(errored), errored);
  t.end();
});
