import t from 'tap';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  PreconditionFailedError,
  RateLimitError,
  Taskboard,
  TaskboardError,
  UnprocessableEntityError,
} from '../src/index.ts';
import { json, problem, startServer, unexpected } from './helpers/server.ts';

const cases: { readonly status: number; readonly errorClass: typeof APIError }[] = [
  { status: 400, errorClass: BadRequestError },
  { status: 401, errorClass: AuthenticationError },
  { status: 403, errorClass: PermissionDeniedError },
  { status: 404, errorClass: NotFoundError },
  { status: 409, errorClass: ConflictError },
  { status: 412, errorClass: PreconditionFailedError },
  { status: 413, errorClass: PayloadTooLargeError },
  { status: 415, errorClass: APIError },
  { status: 422, errorClass: UnprocessableEntityError },
  { status: 429, errorClass: RateLimitError },
  { status: 500, errorClass: InternalServerError },
  { status: 503, errorClass: InternalServerError },
];

t.test('maps each status to its error class with the problem body and request id', async (t) => {
  for (const { status, errorClass } of cases) {
    const s = await startServer(problem(status));
    const tb = new Taskboard({ baseUrl: s.url, maxRetries: 0 });
    const err = await tb.projects.get('p').then(
      () => undefined,
      (e: unknown) => e,
    );
    await s.close();
    t.ok(err instanceof errorClass, `${status} → ${errorClass.name}`);
    t.ok(err instanceof APIError && err instanceof TaskboardError && err instanceof Error);
    const e = err as APIError;
    t.equal(e.status, status);
    t.equal(e.name, errorClass.name);
    t.equal(e.requestId, `req-${status}`);
    t.equal(e.problem?.type, `/problems/${status}`);
    t.equal(e.headers?.get('content-type'), 'application/problem+json');
    t.equal(e.message, `${status} Title ${status}: Detail ${status}`);
  }
});

t.test('validation errors keep their per-field details; request id falls back to the body', async (t) => {
  const body = {
    type: '/problems/validation',
    title: 'Bad Request',
    status: 400,
    detail: 'body/title must NOT have fewer than 1 characters',
    requestId: 'from-body',
    errors: [{ path: '/body/title', message: 'must NOT have fewer than 1 characters' }],
  };
  const s = await startServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify(body));
  });
  t.teardown(s.close);
  const err = await new Taskboard({ baseUrl: s.url }).tasks
    .create('p', { title: '' })
    .then(unexpected, (e: unknown) => e as BadRequestError);
  t.ok(err instanceof BadRequestError);
  t.equal(err.requestId, 'from-body');
  t.same(err.problem?.errors, body.errors);
});

t.test('a non-JSON error body (e.g. from a proxy) still maps by status, with a snippet', async (t) => {
  const s = await startServer(
    (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>nope</h1>');
    },
    (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('["not", "a", "problem"]');
    },
    (_req, res) => {
      res.writeHead(401);
      res.end();
    },
  );
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  const html = await tb.me.get().then(unexpected, (e: unknown) => e as APIError);
  t.ok(html instanceof NotFoundError);
  t.equal(html.problem, undefined);
  t.equal(html.message, '404 <h1>nope</h1>');
  const arr = await tb.me.get().then(unexpected, (e: unknown) => e as APIError);
  t.ok(arr instanceof PermissionDeniedError);
  t.equal(arr.problem, undefined);
  const empty = await tb.me.get().then(unexpected, (e: unknown) => e as APIError);
  t.ok(empty instanceof AuthenticationError);
  t.equal(empty.message, '401 Unauthorized');
});

t.test('transport errors are APIErrors without a status', (t) => {
  const conn = new APIConnectionError(undefined, new Error('ECONNRESET'));
  t.equal(conn.status, undefined);
  t.equal(conn.message, 'Connection error.');
  t.equal((conn.cause as Error).message, 'ECONNRESET');
  const timeout = new APITimeoutError();
  t.ok(timeout instanceof APIConnectionError);
  t.equal(timeout.name, 'APITimeoutError');
  const abort = new APIUserAbortError();
  t.ok(abort instanceof APIError);
  t.notOk(abort instanceof APIConnectionError);
  t.end();
});

t.test('a problem without detail reads as status + title', async (t) => {
  const s = await startServer(json(409, { type: 'x', title: 'Conflict', status: 409 }));
  t.teardown(s.close);
  const err = await new Taskboard({ baseUrl: s.url }).projects.invitations
    .create('p', { userId: 'u' })
    .then(unexpected, (e: unknown) => e as APIError);
  t.equal(err.message, '409 Conflict');
});

t.test('a 2xx with a malformed JSON body is an APIError with status and request id, not retried', async (t) => {
  const s = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'bad-json' });
    res.end('{"id":');
  });
  t.teardown(s.close);
  const err = await new Taskboard({ baseUrl: s.url }).tasks.get('x').then(unexpected, (e: unknown) => e as APIError);
  t.ok(err instanceof APIError && err instanceof TaskboardError);
  t.equal(err.status, 200);
  t.equal(err.requestId, 'bad-json');
  t.equal(err.headers?.get('content-type'), 'application/json');
  t.equal(err.message, '200 response is not valid JSON: {"id":');
  t.ok(err.cause instanceof SyntaxError);
  t.equal(s.requests.length, 1);
});
