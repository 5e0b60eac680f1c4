import { Writable } from 'node:stream';
import t from 'tap';
import { loggerOptions } from '../src/fastify-options.ts';
import { authHeader, buildTestApp, testStack } from './helpers/stack.ts';

t.test('logs are JSON lines with the request id, and never carry the token', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildTestApp(
    t,
    {},
    {
      // A request serializer that writes the headers: its output is scrubbed like every field.
      logger: loggerOptions('info', {
        stream,
        serializers: { req: (req: { headers: unknown; url: string }) => ({ url: req.url, headers: req.headers }) },
      }),
    },
  );
  const headers = await authHeader('alice');
  await app.inject({ method: 'GET', url: '/v1/me', headers: { ...headers, 'x-request-id': 'log-test-1' } });
  await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: 'Bearer nope.nope.nope', 'x-request-id': 'log-test-2' },
  });
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.ok(
    entries.some((entry) => entry.clientRequestId === 'log-test-1' && typeof entry.requestId === 'string'),
    'request id on each line, with the caller id next to it',
  );
  const token = headers.authorization.slice('Bearer '.length);
  t.notOk(
    lines.some((line) => line.includes(token)),
    'the token never appears',
  );
  t.ok(
    lines.some((line) => line.includes('[redacted]')),
    'the authorization header is redacted',
  );
});

/** An app whose log lines are collected as parsed JSON objects. */
async function appWithLogs(t: Parameters<typeof buildTestApp>[0], overrides: Parameters<typeof buildTestApp>[1] = {}) {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) entries.push(JSON.parse(line));
      done();
    },
  });
  const app = await buildTestApp(t, overrides, {
    logger: loggerOptions('info', { stream }),
  });
  /** The request's line: written when the response finishes, which may be after inject resolves. */
  const lineOf = async (requestId: unknown): Promise<Record<string, unknown> | undefined> => {
    for (let waited = 0; waited < 2_000; waited += 10) {
      const line = entries.find((entry) => entry.requestId === requestId && entry.msg === 'request completed');
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };
  return { app, entries, lineOf };
}

t.test('every request line says who made it: the sub of the verified token', async (t) => {
  const { app, lineOf } = await appWithLogs(t);
  const alice = await app.inject({ method: 'GET', url: '/v1/me', headers: await authHeader('alice') });
  const bob = await app.inject({ method: 'GET', url: '/v1/projects', headers: await authHeader('bob') });
  const anonymous = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer a.b.c' } });
  t.equal((await lineOf(alice.headers['x-request-id']))?.sub, testStack().users.alice.sub);
  t.equal((await lineOf(bob.headers['x-request-id']))?.sub, testStack().users.bob.sub);
  t.equal(anonymous.statusCode, 401);
  const anonymousLine = await lineOf(anonymous.headers['x-request-id']);
  t.ok(anonymousLine, 'a rejected request has its line too');
  t.notOk(anonymousLine?.sub, 'with no sub: no token verified');
});

t.test('a caller x-request-id is kept next to a server-generated id, never instead of it', async (t) => {
  const { app, lineOf } = await appWithLogs(t);
  const shared = { 'x-request-id': 'same-id-from-two-callers' };
  const alice = await app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { ...(await authHeader('alice')), ...shared },
  });
  const bob = await app.inject({ method: 'GET', url: '/v1/me', headers: { ...(await authHeader('bob')), ...shared } });
  const [aliceId, bobId] = [alice.headers['x-request-id'], bob.headers['x-request-id']];
  t.match(String(aliceId), /^[0-9a-f-]{36}$/, 'the response carries the server id');
  t.not(aliceId, bobId, 'two users sending one x-request-id get two request ids');
  t.not(aliceId, 'same-id-from-two-callers');
  t.match(await lineOf(aliceId), { sub: testStack().users.alice.sub, clientRequestId: 'same-id-from-two-callers' });
  t.match(await lineOf(bobId), { sub: testStack().users.bob.sub, clientRequestId: 'same-id-from-two-callers' });

  const problem = await app.inject({ method: 'GET', url: '/v1/nowhere', headers: shared });
  t.equal(JSON.parse(problem.body).requestId, problem.headers['x-request-id'], 'problem bodies carry the server id');

  const hostile = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a b\tc' } });
  const hostileLine = await lineOf(hostile.headers['x-request-id']);
  t.ok(hostileLine);
  t.equal(hostileLine?.clientRequestId, undefined, 'a malformed id is not logged');
});

t.test('TRUST_REQUEST_ID=false ignores the caller x-request-id entirely', async (t) => {
  const { app, lineOf } = await appWithLogs(t, { trustRequestId: false });
  const response = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'mine' } });
  const line = await lineOf(response.headers['x-request-id']);
  t.ok(line);
  t.equal(line?.clientRequestId, undefined);
});
