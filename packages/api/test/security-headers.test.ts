import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import t from 'tap';
import { HELMET_OPTIONS, SECURITY_HEADERS } from '../src/http/security-headers.ts';
import { securityPlugin } from '../src/plugins/security.ts';

/** Every header an answer carries that is not about the body or the connection. */
function securityHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { 'content-type': _type, 'content-length': _length, date: _date, connection: _conn, ...rest } = headers;
  return rest;
}

t.test('the constant headers are exactly what @fastify/helmet sends with the same options', async (t) => {
  const reference = Fastify();
  await reference.register(helmet, HELMET_OPTIONS);
  reference.get('/', async () => ({}));
  const expected = securityHeaders((await reference.inject('/')).headers);
  t.same(Object.fromEntries(SECURITY_HEADERS), expected);
  t.equal(Object.keys(expected).length, SECURITY_HEADERS.length);
});

t.test('the security plugin sends them on routes and 404s, and a route may override one', async (t) => {
  const app = Fastify();
  await app.register(securityPlugin, { corsOrigins: [] });
  app.get('/ok', async () => ({}));
  app.get('/own-csp', async (_request, reply) =>
    reply.header('content-security-policy', "default-src 'self'").send({}),
  );
  for (const url of ['/ok', '/missing']) {
    const res = await app.inject(url);
    for (const [name, value] of SECURITY_HEADERS) t.equal(res.headers[name], value, `${url} ${name}`);
  }
  t.notOk(app.hasPlugin('@fastify/helmet'), 'helmet does not run per request');
  const own = await app.inject('/own-csp');
  t.equal(own.headers['content-security-policy'], "default-src 'self'", 'as Swagger UI does on /docs');
  t.equal(own.headers['x-frame-options'], 'SAMEORIGIN');
});
