import { Writable } from 'node:stream';
import t from 'tap';
import { REDACTED_PATHS } from '../src/app.ts';
import { authHeader, buildTestApp } from './helpers/stack.ts';

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
      logger: {
        level: 'info',
        stream,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        serializers: { req: (req: { headers: unknown; url: string }) => ({ url: req.url, headers: req.headers }) },
      },
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
    entries.some((entry) => entry.requestId === 'log-test-1'),
    'request id on each line',
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
