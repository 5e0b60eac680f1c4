/**
 * Contract tests: every SDK operation against the real API (buildApp on a real socket), a real
 * PostgreSQL and real tokens from the local Cognito. Nothing is mocked; the unit tests cover what a
 * real server cannot be made to do on demand (timeouts, 5xx retries, dropped connections).
 *
 * Run with `npm test -w @taskboard/sdk` (with-stack.ts provides the stack).
 */
import t from 'tap';
import {
  NotFoundError,
  PreconditionFailedError,
  Taskboard,
  operations,
  type ClientOptions,
  type Fetch,
  type OperationId,
  type Task,
} from '../src/index.ts';
import { accessToken, startLiveApi, testStack, type UserName } from './helpers/live-api.ts';

const { users } = testStack();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const api = await startLiveApi(t);

/** Operations that answered 2xx somewhere in this file; the last test checks it is all of them. */
const succeeded = new Set<OperationId>();
/** Every call to a token function, per user: proves the async provider is used per attempt. */
const tokenCalls: Record<string, number> = {};

function client(user: UserName, options: Partial<ClientOptions> = {}): Taskboard {
  return new Taskboard({
    baseUrl: `${api.url}/`, // a trailing slash, as a copied URL often has
    token: async () => {
      tokenCalls[user] = (tokenCalls[user] ?? 0) + 1;
      return await accessToken(user);
    },
    maxRetries: 0,
    onResponse: (e) => {
      if (e.status !== undefined && e.status < 300) succeeded.add(e.operationId);
    },
    ...options,
  });
}

const alice = client('alice');
const bob = client('bob');
const carol = client('carol');

/** Resolves to the error a call rejected with, or fails the test if it did not reject. */
async function rejection(call: PromiseLike<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to be rejected');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

t.test('health checks need no token', async (t) => {
  const anonymous = new Taskboard({ baseUrl: api.url, onResponse: (e) => void succeeded.add(e.operationId) });
  t.match(await anonymous.health.live(), { status: 'ok' });
  t.match(await anonymous.health.serving(), { status: 'ok', checks: { started: true, draining: false } });
  t.match(await alice.health.ready(), { status: 'ok', checks: { database: 'ok', migrations: 'ok' } });
});

t.test('getMe with a token from an async function', async (t) => {
  const before = tokenCalls.alice ?? 0;
  const { data: me, requestId, status } = await alice.me.get().withResponse();
  t.equal(status, 200);
  // Access tokens carry no email claim: the API read it from Cognito (GetUser); the id is the `sub`.
  t.match(me, { id: users.alice.sub, email: users.alice.email, groups: [] });
  t.match(requestId, /^[0-9a-f-]{36}$/, 'the API generated a request id');
  t.equal((tokenCalls.alice ?? 0) - before, 1, 'the token function ran once for the call');
  // Bob and carol call the API once, as users do before anyone invites them.
  t.equal((await bob.me.get()).id, users.bob.sub);
  t.equal((await carol.me.get()).id, users.carol.sub);
});

t.test('projects: create, get, list, replace with ifMatch, delete', async (t) => {
  const created = await alice.projects.create({ name: 'Launch', description: 'Q1' }).withResponse();
  t.equal(created.status, 201);
  t.match(created.data, { name: 'Launch', description: 'Q1', ownerId: users.alice.sub, role: 'owner', version: 1 });
  t.equal(created.etag, '"1"');
  const project = created.data;

  const read = await alice.projects.get(project.id).withResponse();
  t.same(read.data, project);
  t.equal(read.etag, '"1"', 'withResponse() exposes the ETag');

  const listed = await collect(alice.projects.list());
  t.same(
    listed.map((p) => p.id),
    [project.id],
  );

  const replaced = await alice.projects
    .replace(project.id, { name: 'Launch v2', description: null }, { ifMatch: read.etag })
    .withResponse();
  t.match(replaced.data, { id: project.id, name: 'Launch v2', description: null, version: 2 });
  t.equal(replaced.etag, '"2"');

  const stale = await rejection(alice.projects.replace(project.id, { name: 'Lost update' }, { ifMatch: read.etag }));
  t.ok(stale instanceof PreconditionFailedError, 'a stale ETag is a PreconditionFailedError');
  t.match(stale, { status: 412, problem: { type: '/problems/precondition-failed', status: 412 } });
  t.equal((await alice.projects.get(project.id)).name, 'Launch v2', 'the stale write changed nothing');

  const staleDelete = await rejection(alice.projects.delete(project.id, { ifMatch: read.etag }));
  t.ok(staleDelete instanceof PreconditionFailedError, 'a stale delete is refused too');
  const deleted = await alice.projects.delete(project.id, { ifMatch: replaced.etag }).withResponse();
  t.equal(deleted.status, 204);
  t.equal(deleted.data, undefined, 'a 204 resolves to undefined');
  t.ok((await rejection(alice.projects.get(project.id))) instanceof NotFoundError, 'gone after delete');
});

t.test("other users' projects are NotFoundError, with request ids", async (t) => {
  const project = await alice.projects.create({ name: 'Private' });
  const task = await alice.tasks.create(project.id, { title: 'Secret' });
  const err = await rejection(bob.projects.get(project.id));
  t.ok(err instanceof NotFoundError);
  if (!(err instanceof NotFoundError)) return;
  t.match(err, { status: 404, requestId: UUID, problem: { type: '/problems/not-found' } });
  t.equal(err.problem?.requestId, err.requestId, 'header and body agree');
  t.ok((await rejection(bob.projects.replace(project.id, { name: 'x' }))) instanceof NotFoundError);
  t.ok((await rejection(bob.projects.delete(project.id))) instanceof NotFoundError);
  t.ok((await rejection(bob.tasks.get(task.id))) instanceof NotFoundError);
  t.ok((await rejection(bob.tasks.list(project.id).firstPage())) instanceof NotFoundError);
  t.ok((await rejection(bob.projects.members.list(project.id).firstPage())) instanceof NotFoundError);
  t.same((await bob.projects.list().firstPage()).items, [], "bob's list does not show it");
  t.equal((await alice.projects.get(project.id)).name, 'Private', 'still there for its owner');
});

t.test('invitations: create, list, revoke, decline, accept', async (t) => {
  const project = await alice.projects.create({ name: 'Invites' });
  const created = await alice.projects.invitations.create(project.id, { userId: users.bob.sub }).withResponse();
  t.equal(created.status, 201);
  t.match(created.data, { projectId: project.id, projectName: 'Invites', inviteeId: users.bob.sub });
  t.notOk('email' in created.data, "no email of the invitee's");
  t.same(await collect(alice.projects.invitations.list(project.id)), [created.data], 'the owner lists it');
  t.same(await collect(bob.invitations.list()), [created.data], 'the invitee lists it');
  t.ok((await rejection(bob.projects.get(project.id))) instanceof NotFoundError, 'invisible until accepted');

  const declined = await bob.invitations.decline(created.data.id).withResponse();
  t.equal(declined.status, 204);
  t.same(await collect(bob.invitations.list()), []);

  const toCarol = await alice.projects.invitations.create(project.id, { userId: users.carol.sub });
  t.equal((await alice.projects.invitations.revoke(project.id, toCarol.id).withResponse()).status, 204);
  t.ok((await rejection(carol.invitations.accept(toCarol.id))) instanceof NotFoundError, 'a revoked one is gone');

  const again = await alice.projects.invitations.create(project.id, { userId: users.bob.sub });
  const joined = await bob.invitations.accept(again.id).withResponse();
  t.match(joined.data, { id: project.id, role: 'member' });
  t.equal(joined.etag, '"1"');
  t.equal((await bob.projects.get(project.id)).role, 'member', 'visible once accepted');
});

t.test('members: get, list, remove', async (t) => {
  const project = await alice.projects.create({ name: 'Team' });
  const invitation = await alice.projects.invitations.create(project.id, { userId: users.bob.sub });
  await bob.invitations.accept(invitation.id);
  const self = await bob.projects.members.get(project.id, users.bob.sub);
  t.match(self, { userId: users.bob.sub, role: 'member' }, 'the member reads itself');

  const members = await collect(alice.projects.members.list(project.id, { limit: 1 }));
  t.equal(members.length, 2);
  t.same(
    Object.fromEntries(members.map((m) => [m.userId, m.role])),
    { [users.alice.sub]: 'owner', [users.bob.sub]: 'member' },
    'the owner and the new member, across two pages of one',
  );
  t.equal((await bob.projects.get(project.id)).role, 'member', 'the new member sees the project');

  const removed = await alice.projects.members.remove(project.id, users.bob.sub).withResponse();
  t.equal(removed.status, 204);
  t.ok((await rejection(alice.projects.members.get(project.id, users.bob.sub))) instanceof NotFoundError);
  t.ok((await rejection(bob.projects.get(project.id))) instanceof NotFoundError, 'and no longer after removal');
});

t.test('tasks: create, get, replace with ifMatch, delete; list across pages and filters', async (t) => {
  const project = await alice.projects.create({ name: 'Board' });
  await bob.invitations.accept((await alice.projects.invitations.create(project.id, { userId: users.bob.sub })).id);

  const specs = [
    { title: 'one', status: 'todo', assigneeId: users.bob.sub },
    { title: 'two', status: 'done' },
    { title: 'three', status: 'in_progress', assigneeId: users.bob.sub },
    { title: 'four', status: 'done', assigneeId: users.bob.sub },
    { title: 'five', status: 'done', priority: 'urgent', dueDate: '2026-12-01' },
  ] as const;
  const created: Task[] = [];
  // Alternate authors: members create tasks too.
  for (const [i, spec] of specs.entries()) created.push(await (i % 2 ? bob : alice).tasks.create(project.id, spec));
  t.match(created[4], { title: 'five', status: 'done', priority: 'urgent', dueDate: '2026-12-01', version: 1 });
  t.match(created[1], { priority: 'medium', assigneeId: null, description: null }, 'defaults applied');

  const listCalls: string[] = [];
  const counting = client('alice', { onRequest: (e) => void listCalls.push(e.url) });
  const all = await collect(counting.tasks.list(project.id, { limit: 2 }));
  t.same(
    all.map((task) => task.title),
    ['one', 'two', 'three', 'four', 'five'],
    'for await walks every page in creation order',
  );
  t.equal(listCalls.length, 3, 'three pages of two');
  t.match(listCalls[1], /[?&]cursor=/, 'the next page is requested with the cursor');

  const done = await collect(alice.tasks.list(project.id, { status: 'done', limit: 1 }));
  t.same(
    done.map((task) => task.title),
    ['two', 'four', 'five'],
  );
  const bobs = await collect(bob.tasks.list(project.id, { assigneeId: users.bob.sub, status: 'done' }));
  t.same(
    bobs.map((task) => task.title),
    ['four'],
  );
  const pages = [];
  for await (const page of alice.tasks.list(project.id, { limit: 4 }).pages()) pages.push(page);
  t.same(
    pages.map((p) => p.items.length),
    [4, 1],
  );
  t.equal(pages[1]?.nextCursor, null, 'the last page has no cursor');
  t.match(pages[0]?.requestId, /\S/, 'pages carry their request id');

  const first = created[0] as Task;
  const read = await bob.tasks.get(first.id).withResponse();
  t.same(read.data, first);
  t.equal(read.etag, '"1"');
  const replaced = await bob.tasks
    .replace(first.id, { title: 'one, edited', status: 'in_progress' }, { ifMatch: read.etag })
    .withResponse();
  // PUT replaces: the omitted assignee goes back to its default.
  t.match(replaced.data, { title: 'one, edited', status: 'in_progress', assigneeId: null, version: 2 });
  t.equal(replaced.etag, '"2"');
  const stale = await rejection(alice.tasks.replace(first.id, { title: 'lost' }, { ifMatch: read.etag }));
  t.ok(stale instanceof PreconditionFailedError);
  t.match(stale, { status: 412, requestId: /\S/ });

  t.ok((await rejection(alice.tasks.delete(first.id, { ifMatch: '"1"' }))) instanceof PreconditionFailedError);
  // The version number is the ETag's content: the API accepts it as the quoted tag the SDK sends.
  t.ok((await rejection(alice.tasks.delete(first.id, { ifMatch: 1 }))) instanceof PreconditionFailedError);
  const byVersion = await alice.tasks
    .replace(first.id, { title: 'one, by version', status: 'in_progress' }, { ifMatch: replaced.data.version })
    .withResponse();
  t.match(byVersion, { etag: '"3"', data: { title: 'one, by version', version: 3 } });
  t.equal((await alice.tasks.delete(first.id, { ifMatch: byVersion.etag }).withResponse()).status, 204);
  t.ok((await rejection(alice.tasks.get(first.id))) instanceof NotFoundError);
  t.equal((await collect(alice.tasks.list(project.id))).length, 4);
});

t.test('a create whose response is lost is retried with the same Idempotency-Key: one row', async (t) => {
  const attempts: { key: string | undefined; replayed: string | null }[] = [];
  // The first response is lost after the API committed the write (as when a connection drops on the
  // way back); the SDK must retry with the same key and get the stored response, not a second row.
  const lossy: Fetch = async (url, init) => {
    const response = await fetch(url, init);
    const key = (init.headers as Record<string, string>)['idempotency-key'];
    attempts.push({ key, replayed: response.headers.get('idempotent-replayed') });
    if (attempts.length === 1) {
      await response.arrayBuffer();
      throw new TypeError('fetch failed: connection reset');
    }
    return response;
  };
  const flaky = client('carol', { fetch: lossy, maxRetries: 2 });
  const result = await flaky.projects.create({ name: 'Exactly once' }).withResponse();
  t.equal(attempts.length, 2, 'one retry');
  t.match(attempts[0]?.key, /^[0-9a-f-]{36}$/, 'the SDK generated a key');
  t.equal(attempts[1]?.key, attempts[0]?.key, 'and reused it for the retry');
  t.equal(result.headers.get('idempotent-replayed'), 'true', 'the retry got the stored response');
  t.equal(result.status, 201);

  const key = 'contract-create-key-1';
  const first = await carol.projects.create({ name: 'Own key' }, { idempotencyKey: key });
  const again = await carol.projects.create({ name: 'Own key' }, { idempotencyKey: key }).withResponse();
  t.equal(again.data.id, first.id, 'a caller-supplied key replays across calls');
  t.equal(again.headers.get('idempotent-replayed'), 'true');

  const names = (await collect(carol.projects.list())).map((p) => p.name).sort();
  t.same(names, ['Exactly once', 'Own key'], 'one row per logical create');
});

// The api generates every request id; a caller's x-request-id is only logged beside it (issue 14.5),
// so two callers sending the same value never share an id.
t.test("request ids: the server's, on results and errors, even when the caller sends one", async (t) => {
  const tb = client('alice', { headers: { 'x-request-id': 'contract-client-default' } });
  const first = await tb.me.get().withResponse();
  const second = await tb.me.get({ headers: { 'x-request-id': 'contract-client-default' } }).withResponse();
  t.match(first.requestId, UUID);
  t.match(second.requestId, UUID);
  t.not(first.requestId, second.requestId, 'the same sent id still gives two request ids');
  const err = await rejection(
    tb.tasks.get('0190c3c4-0000-7000-8000-00000000dead', { headers: { 'x-request-id': 'contract-err' } }),
  );
  t.match(err, { status: 404, requestId: UUID });
  t.not(err instanceof NotFoundError && err.requestId, 'contract-err');
});

t.test('every operation of the OpenAPI document was called successfully', async (t) => {
  t.same([...succeeded].sort(), Object.keys(operations).sort());
});
