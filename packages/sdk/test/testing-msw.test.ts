/**
 * `@taskboard/sdk/testing` end to end: the generated MSW handlers under `setupServer` (msw/node
 * intercepting the global fetch), and the real SDK client calling them, so what a consumer's
 * tests see is exactly what the client makes of the mocked responses.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import t from 'tap';
import { readSpec } from '../scripts/generate.ts';
import {
  APIConnectionError,
  NotFoundError,
  PreconditionFailedError,
  Taskboard,
  UnprocessableEntityError,
  type Task,
} from '../src/index.ts';
import {
  createMockHandlers,
  fakeId,
  invitationFactory,
  memberFactory,
  meFactory,
  mockRoutes,
  pageFactory,
  problemFactory,
  problemResponse,
  projectFactory,
  resetFactories,
  taskFactory,
} from '../src/testing/index.ts';

const BASE = 'https://api.test';
const mock = createMockHandlers({ baseUrl: BASE });
const server = setupServer();
// An unmocked request is a test bug, not a reason to reach the network.
server.listen({ onUnhandledFrame: 'error' });
t.teardown(() => server.close());
t.afterEach(() => {
  server.resetHandlers();
  resetFactories();
});

const client = (baseUrl = BASE): Taskboard => new Taskboard({ baseUrl, token: 'tok', maxRetries: 0 });

t.test('get: the resolver sees typed params; the client gets the body, an ETag and a request id', async (t) => {
  const seen: string[] = [];
  server.use(
    mock.getTask(({ params, request }) => {
      seen.push(params.taskId, request.headers.get('authorization') ?? '');
      return taskFactory({ id: params.taskId, title: 'Mocked', version: 3 });
    }),
  );
  const id = fakeId(42);
  const { data, etag, requestId, status } = await client().tasks.get(id).withResponse();
  const task: Task = data;
  t.equal(task.id, id);
  t.equal(task.title, 'Mocked');
  t.equal(status, 200);
  t.equal(etag, '"3"', 'ETag is the quoted version, as the API sends it');
  t.match(requestId, /\S/, 'x-request-id is set');
  t.same(seen, [id, 'Bearer tok']);
});

t.test('list: query arrives as strings, cursors are followed page by page', async (t) => {
  const queries: Record<string, string | undefined>[] = [];
  const projectId = fakeId(1);
  server.use(
    mock.listTasks(({ params, query }) => {
      queries.push({ ...query });
      const make = (): Task => taskFactory({ projectId: params.projectId, status: 'done' });
      return query.cursor ? pageFactory(make, 1) : pageFactory(make, 2, { nextCursor: 'page-2' });
    }),
  );
  const titles: string[] = [];
  for await (const task of client().tasks.list(projectId, { status: 'done', limit: 2 })) {
    t.equal(task.projectId, projectId);
    titles.push(task.title);
  }
  t.equal(titles.length, 3);
  t.same(queries, [
    { status: 'done', limit: '2' },
    { status: 'done', limit: '2', cursor: 'page-2' },
  ]);
});

t.test('create: the resolver gets the parsed body; the client gets 201 and the created resource', async (t) => {
  server.use(mock.createTask(({ params, body }) => taskFactory({ ...body, projectId: params.projectId })));
  const projectId = fakeId(7);
  const { data, status } = await client()
    .tasks.create(projectId, { title: 'Ship it', priority: 'urgent', dueDate: '2026-12-01' })
    .withResponse();
  t.equal(status, 201);
  t.match(data, { projectId, title: 'Ship it', priority: 'urgent', dueDate: '2026-12-01', status: 'todo' });

  server.use(mock.createProject(({ body }) => projectFactory({ name: body.name })));
  t.equal((await client().projects.create({ name: 'Roadmap' })).name, 'Roadmap');
  server.use(
    mock.createProjectInvitation(({ params, body }) =>
      invitationFactory({ projectId: params.projectId, inviteeId: body.userId }),
    ),
  );
  t.match(await client().projects.invitations.create(projectId, { userId: 'user-9' }), {
    projectId,
    inviteeId: 'user-9',
  });
});

t.test('errors: problem responses become the SDK error classes with the problem body', async (t) => {
  server.use(mock.getTask(() => problemResponse(404)));
  const notFound = await client()
    .tasks.get(fakeId(1))
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  t.ok(notFound instanceof NotFoundError, 'NotFoundError');
  t.match((notFound as NotFoundError).problem, {
    type: '/problems/not-found',
    status: 404,
    title: 'Resource not found',
  });
  t.match((notFound as NotFoundError).requestId, /\S/);

  server.use(mock.deleteTask(() => problemResponse(412, { detail: 'stale' })));
  await t.rejects(client().tasks.delete(fakeId(1), { ifMatch: '"1"' }), PreconditionFailedError);

  server.use(mock.replaceTask(() => problemResponse(422, { errors: [{ path: '/body/title', message: 'empty' }] })));
  const invalid = await client()
    .tasks.replace(fakeId(1), { title: '' })
    .catch((err: unknown) => err);
  t.ok(invalid instanceof UnprocessableEntityError);
  t.same((invalid as UnprocessableEntityError).problem?.errors, [{ path: '/body/title', message: 'empty' }]);

  server.use(mock.getMe(() => HttpResponse.error()));
  await t.rejects(client().me.get(), APIConnectionError, 'HttpResponse.error() is a network error');
});

t.test('deletes answer 204 with no body', async (t) => {
  let deleted = '';
  server.use(
    mock.deleteProject(({ params }) => {
      deleted = params.projectId;
    }),
  );
  const result = await client().projects.delete(fakeId(3)).withResponse();
  t.equal(result.status, 204);
  t.equal(result.data, undefined);
  t.equal(deleted, fakeId(3));
});

t.test('a resolver may answer its own HttpResponse (status, headers) of the success body', async (t) => {
  server.use(
    mock.getMe(() => HttpResponse.json(meFactory({ groups: ['admin'] }), { headers: { 'x-request-id': 'r1' } })),
  );
  const { data, requestId } = await client().me.get().withResponse();
  t.same(data.groups, ['admin']);
  t.equal(requestId, 'r1', 'a request id the resolver set is kept');
});

t.test('base URL: a stage prefix, and "*" (the default) for any origin', async (t) => {
  const staged = createMockHandlers({ baseUrl: 'https://x.execute-api.test/prod/' });
  server.use(staged.getMe(() => meFactory({ email: 'staged@example.com' })));
  t.equal((await client('https://x.execute-api.test/prod').me.get()).email, 'staged@example.com');
  await t.rejects(client('https://other.test').me.get(), APIConnectionError, 'another origin is not matched');

  server.use(createMockHandlers().getMe(() => meFactory({ email: 'any@example.com' })));
  t.equal((await client('https://other.test/stage').me.get()).email, 'any@example.com');
});

t.test('a request body that is not JSON gets the API’s 400 problem; the resolver never runs', async (t) => {
  let ran = false;
  server.use(
    mock.createProject(() => {
      ran = true;
      return projectFactory();
    }),
  );
  const res = await fetch(`${BASE}/v1/projects`, {
    method: 'POST',
    body: '{',
    headers: { 'content-type': 'text/plain' },
  });
  t.equal(res.status, 400);
  t.equal(res.headers.get('content-type'), 'application/problem+json');
  t.match(await res.json(), { type: '/problems/malformed-json', status: 400 });
  t.notOk(ran);
});

t.test('every operation in openapi.json has its handler, matched and answered as the contract says', (t) => {
  const spec = readSpec();
  const expected: Record<string, { method: string; path: string; status: number }> = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || Array.isArray(op) || !op.operationId) continue;
      const status = Math.min(
        ...Object.keys(op.responses ?? {})
          .filter((s) => /^2/.test(s))
          .map(Number),
      );
      expected[op.operationId] = { method, path: path.replace(/\{(\w+)\}/g, ':$1'), status };
    }
  }
  t.ok(Object.keys(expected).length >= 18, 'the contract was read');
  t.same(Object.keys(mockRoutes).sort(), Object.keys(expected).sort(), 'one route per operationId, no extras');
  t.same(Object.keys(createMockHandlers()).sort(), Object.keys(expected).sort(), 'one handler factory per operationId');
  for (const [id, route] of Object.entries(mockRoutes)) {
    t.same({ method: route.method, path: route.path, status: route.status }, expected[id], id);
  }
  t.end();
});

t.test('factories produce values the contract accepts (validated with the API’s own ajv)', (t) => {
  // The API validates with ajv 8 + ajv-formats; load the very copies it depends on.
  const requireFromApi = createRequire(resolve(import.meta.dirname, '../../api/package.json'));
  const Ajv = requireFromApi('ajv').default as new (o: object) => {
    addSchema(s: object, key: string): void;
    validate(ref: string, data: unknown): boolean;
    errorsText(): string;
  };
  const addFormats = requireFromApi('ajv-formats').default as (ajv: object) => void;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(readSpec() as object, 'openapi');
  const check = (name: string, value: unknown): void => {
    const ok = ajv.validate(`openapi#/components/schemas/${name}`, value);
    t.ok(ok, `${name}: ${ok ? 'valid' : ajv.errorsText()}`);
  };
  check('Task', taskFactory());
  check('Task', taskFactory({ status: 'done', dueDate: '2026-12-01', assigneeId: 'user-1' }));
  check('Project', projectFactory());
  check('Member', memberFactory());
  check('Invitation', invitationFactory());
  check('Me', meFactory());
  check('Problem', problemFactory());
  check('Problem', problemFactory({ status: 422, errors: [{ path: '/body/title', message: 'empty' }] }));
  t.end();
});

t.test('factory values: UUIDv7-shaped ids, ISO timestamps, deterministic after resetFactories()', (t) => {
  const a = taskFactory();
  resetFactories();
  const b = taskFactory();
  t.same(a, b, 'same values after a reset');
  t.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(new Date(a.createdAt).toISOString(), a.createdAt);
  const ids = Array.from({ length: 5 }, () => projectFactory().id);
  t.same([...ids].sort(), ids, 'ids sort by creation, like the API’s UUIDv7');
  t.equal(new Set(ids).size, 5);
  t.same(pageFactory([a], { nextCursor: 'c' }), { items: [a], nextCursor: 'c' });
  t.equal(pageFactory(taskFactory, 0).items.length, 0);
  t.match(problemFactory({ status: 418 }), { type: '/problems/error', title: 'Error 418', status: 418 });
  t.end();
});
