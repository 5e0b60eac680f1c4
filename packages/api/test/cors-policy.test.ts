// One CORS allow-list: what the api answers a browser's preflight with (app.inject) is what the OpenAPI
// document carries as x-taskboard-cors, which templates/environment turns into API Gateway's preflight
// (its test asserts the synthesized OPTIONS methods against the same document).
import t from 'tap';
import { CORS_EXTENSION, CORS_POLICY } from '../src/http/cors-policy.ts';
import { openApiDocument } from '../src/openapi-document.ts';
import { buildTestApp } from './helpers/stack.ts';

const splitList = (value: unknown): string[] =>
  String(value)
    .split(',')
    .map((item) => item.trim().toLowerCase());

t.test('the OpenAPI document carries the policy the api enforces', async (t) => {
  const document = JSON.parse(await openApiDocument()) as Record<string, unknown>;
  t.same(document[CORS_EXTENSION], CORS_POLICY);
  t.ok(CORS_POLICY.allowHeaders.includes('traceparent'), 'browser tracing (OpenTelemetry) is allowed');
  t.ok(CORS_POLICY.allowHeaders.includes('tracestate'));
  for (const header of [...CORS_POLICY.allowHeaders, ...CORS_POLICY.exposeHeaders]) {
    t.equal(header, header.toLowerCase(), `${header} is lower case, so lists compare as written`);
  }
});

t.test('the api answers a preflight and a request with exactly those lists', async (t) => {
  const app = await buildTestApp(t);
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/projects',
    headers: {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,traceparent,tracestate',
    },
  });
  t.equal(preflight.statusCode, 204);
  t.same(splitList(preflight.headers['access-control-allow-headers']), CORS_POLICY.allowHeaders);
  t.equal(preflight.headers['access-control-max-age'], String(CORS_POLICY.maxAgeSeconds));

  const request = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { origin: 'http://localhost:5173' },
  });
  t.same(splitList(request.headers['access-control-expose-headers']), CORS_POLICY.exposeHeaders);
});
