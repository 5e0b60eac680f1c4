import t from 'tap';
import { addMember } from './helpers/members.ts';
import { createProject, createTask } from './helpers/projects.ts';
import { buildTestApp, json, signedIn, testStack, type Tap } from './helpers/stack.ts';

/**
 * What each subtest starts from, on a database of its own so it passes alone and in any order:
 * every test user on record, and alice's project "Launch" (version 1, no other member).
 */
async function launchProject(t: Tap) {
  const app = await buildTestApp(t);
  const callers = await signedIn(app, 'alice', 'bob', 'carol', 'admin');
  const project = await createProject(app, callers.alice, { name: 'Launch', description: 'Q1' });
  return { app, ...callers, project, url: `/v1/projects/${project.id}` };
}

t.test('projects and members', async (t) => {
  const { users } = testStack();

  t.test('the owner creates a project: 201 with its ETag and Location', async (t) => {
    const app = await buildTestApp(t);
    const { alice } = await signedIn(app, 'alice');
    const created = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: alice,
      payload: { name: 'Launch', description: 'Q1' },
    });
    t.equal(created.statusCode, 201);
    const project = json(created);
    t.match(project, { name: 'Launch', description: 'Q1', ownerId: users.alice.sub, role: 'owner', version: 1 });
    t.equal(created.headers.etag, '"1"');
    t.equal(created.headers.location, `/v1/projects/${String(project.id)}`);
  });

  t.test('the owner reads it with its ETag', async (t) => {
    const { app, alice, url } = await launchProject(t);
    const response = await app.inject({ method: 'GET', url, headers: alice });
    t.equal(response.statusCode, 200);
    t.equal(response.headers.etag, '"1"');
  });

  t.test("others' projects answer 404, in reads, lists and writes", async (t) => {
    const { app, bob, url } = await launchProject(t);
    t.equal((await app.inject({ method: 'GET', url, headers: bob })).statusCode, 404);
    t.equal((await app.inject({ method: 'PUT', url, headers: bob, payload: { name: 'x' } })).statusCode, 404);
    t.equal((await app.inject({ method: 'DELETE', url, headers: bob })).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: `${url}/tasks`, headers: bob })).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: `${url}/members`, headers: bob })).statusCode, 404);
    const list = json(await app.inject({ method: 'GET', url: '/v1/projects', headers: bob }));
    t.same(list.items, []);
  });

  t.test('admins read every project but change none they are not members of', async (t) => {
    const { app, admin, project, url } = await launchProject(t);
    const read = await app.inject({ method: 'GET', url, headers: admin });
    t.equal(read.statusCode, 200);
    t.equal(json(read).role, null);
    const list = json(await app.inject({ method: 'GET', url: '/v1/projects', headers: admin }));
    t.ok((list.items as { id: string }[]).some((item) => item.id === project.id));
    t.equal((await app.inject({ method: 'PUT', url, headers: admin, payload: { name: 'x' } })).statusCode, 403);
    t.equal(
      (await app.inject({ method: 'POST', url: `${url}/tasks`, headers: admin, payload: { title: 'x' } })).statusCode,
      403,
    );
  });

  t.test('only the owner manages members; members see the project', async (t) => {
    const { app, alice, bob, carol, project, url } = await launchProject(t);
    await addMember(app, alice, project.id, 'bob');
    const memberUrl = `${url}/members/${users.bob.sub}`;
    const located = await app.inject({ method: 'GET', url: memberUrl, headers: bob });
    t.equal(located.statusCode, 200, 'the new member can be read');
    t.match(json(located), { userId: users.bob.sub, role: 'member' });
    const stranger = await app.inject({ method: 'GET', url: memberUrl, headers: carol });
    t.equal(stranger.statusCode, 404, 'not by someone outside the project');
    const notMember = await app.inject({ method: 'GET', url: `${url}/members/${users.carol.sub}`, headers: alice });
    t.equal(notMember.statusCode, 404);
    const invite = (headers: Record<string, string>, userId: string) =>
      app.inject({ method: 'POST', url: `${url}/invitations`, headers, payload: { userId } });
    t.equal((await invite(alice, users.bob.sub)).statusCode, 409, 'a member cannot be invited again');
    t.equal((await invite(bob, users.carol.sub)).statusCode, 403, 'members do not invite');
    const read = await app.inject({ method: 'GET', url, headers: bob });
    t.equal(read.statusCode, 200);
    t.equal(json(read).role, 'member');
    t.equal((await app.inject({ method: 'PUT', url, headers: bob, payload: { name: 'Mine' } })).statusCode, 403);
    t.equal((await app.inject({ method: 'DELETE', url, headers: bob })).statusCode, 403);
    const members = json(await app.inject({ method: 'GET', url: `${url}/members`, headers: bob }));
    t.same(
      (members.items as { userId: string }[]).map((m) => m.userId).sort(),
      [users.alice.sub, users.bob.sub].sort(),
    );
    t.equal(
      (await app.inject({ method: 'DELETE', url: `${url}/members/${users.alice.sub}`, headers: alice })).statusCode,
      409,
      'owner cannot leave',
    );
  });

  t.test('removing a member unassigns their tasks', async (t) => {
    const { app, alice, carol, project, url } = await launchProject(t);
    await addMember(app, alice, project.id, 'carol');
    const task = await createTask(app, alice, project.id, { title: 'Carol', assigneeId: users.carol.sub });
    t.equal(
      (await app.inject({ method: 'DELETE', url: `${url}/members/${users.carol.sub}`, headers: carol })).statusCode,
      204,
      'members may leave',
    );
    const after = json(await app.inject({ method: 'GET', url: `/v1/tasks/${task.id}`, headers: alice }));
    t.equal(after.assigneeId, null);
    t.equal(
      (await app.inject({ method: 'DELETE', url: `${url}/members/${users.carol.sub}`, headers: alice })).statusCode,
      404,
    );
  });

  t.test('PUT and DELETE honour If-Match', async (t) => {
    const { app, alice, url } = await launchProject(t);
    const stale = await app.inject({
      method: 'PUT',
      url,
      headers: { ...alice, 'if-match': '"7"' },
      payload: { name: 'Nope' },
    });
    t.equal(stale.statusCode, 412);
    t.match(json(stale), { type: '/problems/precondition-failed' });
    const ok = await app.inject({
      method: 'PUT',
      url,
      headers: { ...alice, 'if-match': '"1"' },
      payload: { name: 'Renamed' },
    });
    t.equal(ok.statusCode, 200);
    t.equal(ok.headers.etag, '"2"');
    t.match(json(ok), { name: 'Renamed', description: null, version: 2 });
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...alice, 'if-match': '"1"' } })).statusCode, 412);
    // RFC 9110: a list matches when any strong tag in it does; weak tags and other spellings never do.
    for (const ifMatch of ['W/"2"', '"02"', '2', '"1", W/"2"', '"2" garbage']) {
      const refused = await app.inject({ method: 'DELETE', url, headers: { ...alice, 'if-match': ifMatch } });
      t.equal(refused.statusCode, 412, ifMatch);
    }
    const listed = await app.inject({
      method: 'PUT',
      url,
      headers: { ...alice, 'if-match': '"1", "2",W/"3"' },
      payload: { name: 'Listed' },
    });
    t.equal(listed.statusCode, 200, 'a list holding the current tag matches');
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...alice, 'if-match': '"3"' } })).statusCode, 204);
    t.equal((await app.inject({ method: 'GET', url, headers: alice })).statusCode, 404);
  });

  t.test('concurrent PUTs with the same If-Match: exactly one wins', async (t) => {
    const { app, alice, url } = await launchProject(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.inject({ method: 'PUT', url, headers: { ...alice, 'if-match': '"1"' }, payload: { name: `w${i}` } }),
      ),
    );
    t.same(results.map((r) => r.statusCode).sort(), [200, 412, 412, 412, 412, 412, 412, 412]);
  });

  t.test('concurrent invitations of the same user: one 201, the others 409, never a 500', async (t) => {
    const { app, alice, url } = await launchProject(t);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        app.inject({ method: 'POST', url: `${url}/invitations`, headers: alice, payload: { userId: users.carol.sub } }),
      ),
    );
    t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
  });

  t.test('ids PostgreSQL cannot read are 400, not 500', async (t) => {
    const { app, alice, project } = await launchProject(t);
    const urn = `urn:uuid:${project.id}`;
    for (const path of [`/v1/projects/${urn}`, `/v1/projects/${urn}/tasks`, `/v1/tasks/${urn}`]) {
      const response = await app.inject({ method: 'GET', url: path, headers: alice });
      t.equal(response.statusCode, 400, path);
    }
  });
});

t.test('project list pagination is stable while rows are inserted', async (t) => {
  const app = await buildTestApp(t);
  const { alice } = await signedIn(app, 'alice');
  const create = (name: string) => createProject(app, alice, { name });
  for (let i = 0; i < 7; i += 1) await create(`p${i}`);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
    const page = json(await app.inject({ method: 'GET', url: `/v1/projects${query}`, headers: alice }));
    seen.push(...(page.items as { name: string }[]).map((item) => item.name));
    cursor = page.nextCursor as string | null;
    if (pages === 0) await create('late');
    pages += 1;
  } while (cursor);
  t.same(seen, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'late'], 'no duplicates, no gaps, new rows at the end');
});
