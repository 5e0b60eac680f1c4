import t from 'tap';
import { authHeader, buildTestApp, json } from './helpers/stack.ts';

t.test('bad input gets a 4xx problem+json, never a 5xx or a stack trace', async (t) => {
  const app = await buildTestApp(t);
  const alice = await authHeader('alice');
  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...alice, 'content-type': 'application/json', ...headers },
      payload,
    });

  // Sent at once, as the table is built; each row names the answer it expects.
  const cases: {
    readonly name: string;
    readonly answer: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;
    readonly status: number;
    readonly type: string;
  }[] = [
    { name: 'malformed JSON', answer: post('{"name": '), status: 400, type: '/problems/malformed-json' },
    { name: 'empty JSON body', answer: post(''), status: 400, type: '/problems/malformed-json' },
    {
      name: 'unknown field',
      answer: post('{"name":"x","owner":"me"}'),
      status: 400,
      type: '/problems/validation-error',
    },
    {
      name: 'wrong type is not coerced',
      answer: post('{"name":123}'),
      status: 400,
      type: '/problems/validation-error',
    },
    { name: 'missing field', answer: post('{}'), status: 400, type: '/problems/validation-error' },
    {
      name: 'too long',
      answer: post(JSON.stringify({ name: 'x'.repeat(201) })),
      status: 400,
      type: '/problems/validation-error',
    },
    {
      name: 'oversized body',
      answer: post(JSON.stringify({ name: 'x', description: 'y'.repeat(20_000) })),
      status: 413,
      type: '/problems/payload-too-large',
    },
    {
      name: 'wrong content type',
      answer: post('name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      type: '/problems/unsupported-media-type',
    },
    {
      name: 'text/plain body',
      answer: post('{"name":"x"}', { 'content-type': 'text/plain' }),
      status: 415,
      type: '/problems/unsupported-media-type',
    },
    {
      name: 'unknown route',
      answer: app.inject({ method: 'GET', url: '/v1/nothing', headers: alice }),
      status: 404,
      type: '/problems/not-found',
    },
    {
      name: 'malformed id',
      answer: app.inject({ method: 'GET', url: '/v1/projects/not-a-uuid', headers: alice }),
      status: 400,
      type: '/problems/validation-error',
    },
    {
      name: 'SQL in an id',
      answer: app.inject({ method: 'GET', url: "/v1/tasks/1'%20OR%201=1--", headers: alice }),
      status: 400,
      type: '/problems/validation-error',
    },
  ];
  for (const { name, answer, status, type } of cases) {
    const response = await answer;
    t.equal(response.statusCode, status, name);
    t.match(String(response.headers['content-type']), /^application\/problem\+json/, `${name}: content type`);
    const body = json(response);
    t.match(body, { type, status, title: String, detail: String, requestId: String }, `${name}: body`);
    t.notMatch(response.body, /at \w+ \(|node_modules|\.ts:\d+/, `${name}: no stack trace`);
  }

  t.test('validation errors name each field', async (t) => {
    const body = json(await post('{"name":"","extra":1}'));
    t.same((body.errors as { path: string }[]).map((error) => error.path).sort(), ['/body/extra', '/body/name']);
  });

  t.test('a union field gets one error that says what it accepts', async (t) => {
    const project = json(await post('{"name":"Unions"}'));
    const tasks = `/v1/projects/${String(project.id)}/tasks`;
    const body = await app.inject({
      method: 'POST',
      url: tasks,
      headers: alice,
      payload: { title: 't', status: 'open', dueDate: 'tomorrow' },
    });
    t.same(json(body).errors, [
      { path: '/body/status', message: 'must be one of "todo", "in_progress", "done"' },
      { path: '/body/dueDate', message: 'must match format "date" (or be null)' },
    ]);
    const query = await app.inject({ method: 'GET', url: `${tasks}?status=open`, headers: alice });
    t.same(json(query).errors, [{ path: '/query/status', message: 'must be one of "todo", "in_progress", "done"' }]);
  });

  t.test('a known path asked with another method is 405 with Allow; an unknown path stays 404', async (t) => {
    const project = json(await post('{"name":"Methods"}'));
    for (const { method, url, allow } of [
      { method: 'PATCH', url: `/v1/projects/${String(project.id)}`, allow: 'DELETE, GET, HEAD, PUT' },
      { method: 'DELETE', url: `/v1/projects/${String(project.id)}/tasks?limit=5`, allow: 'GET, HEAD, POST' },
      { method: 'POST', url: '/health/live', allow: 'GET, HEAD' },
    ] as const) {
      const response = await app.inject({ method, url, headers: alice });
      t.equal(response.statusCode, 405, `${method} ${url}`);
      t.equal(response.headers.allow, allow, `${method} ${url}`);
      t.match(json(response), { type: '/problems/method-not-allowed', status: 405 });
    }
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/nothing', headers: alice })).statusCode, 404);
  });

  t.test('a DELETE with a JSON content type and no body is fine', async (t) => {
    const project = json(await post('{"name":"Gone"}'));
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/v1/projects/${String(project.id)}`,
      headers: { ...alice, 'content-type': 'application/json' },
    });
    t.equal(deleted.statusCode, 204);
  });

  t.test('router-level rejections carry the request id header too', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/v1/projects/%E0%A4%A', headers: alice });
    t.equal(response.statusCode, 400);
    t.equal(response.headers['x-request-id'], json(response).requestId);
  });

  t.test('an OPTIONS request that is not a preflight is not an error', async (t) => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/v1/projects',
      headers: { origin: 'https://x.test' },
    });
    t.ok(response.statusCode < 400, String(response.statusCode));
  });
});

t.test('request ids are generated by the server and echoed; a caller x-request-id does not replace them', async (t) => {
  const app = await buildTestApp(t);
  const given = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
  t.match(String(given.headers['x-request-id']), /^[0-9a-f-]{36}$/, 'test/logging.test.ts: logged as clientRequestId');
  const generated = await app.inject({ method: 'GET', url: '/health/live' });
  t.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  const hostile = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { 'x-request-id': 'bad id\twith spaces' },
  });
  t.not(hostile.headers['x-request-id'], 'bad id\twith spaces');
  const problem = await app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-request-id': 'req-9' } });
  t.equal(json(problem).requestId, problem.headers['x-request-id']);
});

t.test('rate limiting per user answers 429 with Retry-After', async (t) => {
  const app = await buildTestApp(t, { rateLimit: { max: 3, windowMs: 60_000 } });
  const alice = await authHeader('alice');
  const bob = await authHeader('bob');
  const statuses = [];
  for (let i = 0; i < 4; i += 1)
    statuses.push((await app.inject({ method: 'GET', url: '/v1/me', headers: alice })).statusCode);
  t.same(statuses, [200, 200, 200, 429]);
  const limited = await app.inject({ method: 'GET', url: '/v1/me', headers: alice });
  t.ok(Number(limited.headers['retry-after']) > 0);
  t.match(json(limited), {
    type: '/problems/rate-limited',
    status: 429,
    detail: 'Rate limit of 3 requests per 60 seconds exceeded',
  });
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/me', headers: bob })).statusCode,
    200,
    'other users are not affected',
  );
});

t.test('CORS allows configured origins only, security headers are set', async (t) => {
  const app = await buildTestApp(t);
  const allowed = await app.inject({
    method: 'OPTIONS',
    url: '/v1/projects',
    headers: {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });
  t.equal(allowed.statusCode, 204);
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:5173');
  const denied = await app.inject({
    method: 'OPTIONS',
    url: '/v1/projects',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  t.equal(denied.headers['access-control-allow-origin'], undefined);
  const live = await app.inject({ method: 'GET', url: '/health/live' });
  t.equal(live.headers['x-content-type-options'], 'nosniff');
  t.ok(live.headers['strict-transport-security']);
});
