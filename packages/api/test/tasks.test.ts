import t from 'tap';
import { addMember } from './helpers/members.ts';
import { createProject } from './helpers/projects.ts';
import { authHeader, buildTestApp, json, signedIn, testStack } from './helpers/stack.ts';

t.test('tasks', async (t) => {
  const app = await buildTestApp(t);
  const { alice, bob } = await signedIn(app, 'alice', 'bob');
  const { users } = testStack();
  const project = await createProject(app, alice, { name: 'Tasks' });
  const base = `/v1/projects/${project.id}/tasks`;
  await addMember(app, alice, project.id, 'bob');

  t.test('create with defaults, read, replace, delete', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: base,
      headers: bob,
      payload: { title: 'Write docs', dueDate: '2026-12-24' },
    });
    t.equal(created.statusCode, 201);
    const task = json(created);
    t.match(task, {
      title: 'Write docs',
      status: 'todo',
      priority: 'medium',
      assigneeId: null,
      dueDate: '2026-12-24',
      version: 1,
      projectId: project.id,
    });
    const url = `/v1/tasks/${String(task.id)}`;
    const read = await app.inject({ method: 'GET', url, headers: alice });
    t.equal(read.statusCode, 200);
    t.equal(read.headers.etag, '"1"');
    const replaced = await app.inject({
      method: 'PUT',
      url,
      headers: { ...alice, 'if-match': '"1"' },
      payload: { title: 'Write more docs', status: 'in_progress', priority: 'high', assigneeId: users.bob.sub },
    });
    t.equal(replaced.statusCode, 200);
    t.match(json(replaced), {
      status: 'in_progress',
      priority: 'high',
      assigneeId: users.bob.sub,
      dueDate: null,
      version: 2,
    });
    t.equal(
      (await app.inject({ method: 'PUT', url, headers: { ...alice, 'if-match': '"1"' }, payload: { title: 'x' } }))
        .statusCode,
      412,
    );
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...bob, 'if-match': '"2"' } })).statusCode, 204);
    t.equal((await app.inject({ method: 'GET', url, headers: alice })).statusCode, 404);
  });

  t.test('assignees must be members', async (t) => {
    const response = await app.inject({
      method: 'POST',
      url: base,
      headers: alice,
      payload: { title: 'x', assigneeId: users.carol.sub },
    });
    t.equal(response.statusCode, 422);
    t.match(json(response), { errors: [{ path: '/body/assigneeId' }] });
  });

  t.test('tasks of a project others cannot see answer 404', async (t) => {
    const task = json(await app.inject({ method: 'POST', url: base, headers: alice, payload: { title: 'secret' } }));
    const carol = await authHeader('carol');
    t.equal((await app.inject({ method: 'GET', url: `/v1/tasks/${String(task.id)}`, headers: carol })).statusCode, 404);
    t.equal(
      (
        await app.inject({
          method: 'PUT',
          url: `/v1/tasks/${String(task.id)}`,
          headers: carol,
          payload: { title: 'x' },
        })
      ).statusCode,
      404,
    );
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/v1/tasks/${String(task.id)}`, headers: carol })).statusCode,
      404,
    );
    t.equal((await app.inject({ method: 'GET', url: base, headers: carol })).statusCode, 404);
  });

  t.test('filters by status and assignee', async (t) => {
    const p = json(
      await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'Filters' } }),
    );
    const url = `/v1/projects/${String(p.id)}/tasks`;
    await app.inject({ method: 'POST', url, headers: alice, payload: { title: 'a', status: 'done' } });
    await app.inject({ method: 'POST', url, headers: alice, payload: { title: 'b', assigneeId: users.alice.sub } });
    await app.inject({
      method: 'POST',
      url,
      headers: alice,
      payload: { title: 'c', status: 'done', assigneeId: users.alice.sub },
    });
    const titles = async (query: string) =>
      (
        json(await app.inject({ method: 'GET', url: `${url}?${query}`, headers: alice })).items as { title: string }[]
      ).map((i) => i.title);
    t.same(await titles('status=done'), ['a', 'c']);
    t.same(await titles(`assigneeId=${users.alice.sub}`), ['b', 'c']);
    t.same(await titles(`status=done&assigneeId=${users.alice.sub}`), ['c']);
    t.equal((await app.inject({ method: 'GET', url: `${url}?status=blocked`, headers: alice })).statusCode, 400);
  });

  t.test('pagination under concurrent inserts: every row exactly once', async (t) => {
    const p = json(
      await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'Pages' } }),
    );
    const url = `/v1/projects/${String(p.id)}/tasks`;
    for (let i = 0; i < 25; i += 1)
      await app.inject({ method: 'POST', url, headers: alice, payload: { title: `t${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const [page] = await Promise.all([
        app.inject({ method: 'GET', url: `${url}?limit=4${cursor ? `&cursor=${cursor}` : ''}`, headers: alice }),
        app.inject({ method: 'POST', url, headers: bob, payload: { title: `new${inserted++}` } }),
      ]);
      const body = json(page);
      seen.push(...(body.items as { title: string }[]).map((item) => item.title));
      cursor = body.nextCursor as string | null;
    } while (cursor);
    const originals = seen.filter((title) => title.startsWith('t'));
    t.same(
      originals,
      Array.from({ length: 25 }, (_, i) => `t${i}`),
      'every original row once, in order',
    );
    t.equal(new Set(seen).size, seen.length, 'no duplicates');
  });

  t.test('due dates PostgreSQL cannot store are 400, the first and last years are fine', async (t) => {
    for (const { dueDate, status } of [
      { dueDate: '0000-01-01', status: 400 },
      { dueDate: '0001-01-01', status: 201 },
      { dueDate: '9999-12-31', status: 201 },
      { dueDate: '2024-02-29', status: 201 },
      { dueDate: '2025-02-29', status: 400 },
      { dueDate: '2025-13-01', status: 400 },
    ]) {
      const response = await app.inject({ method: 'POST', url: base, headers: bob, payload: { title: 'd', dueDate } });
      t.equal(response.statusCode, status, dueDate);
    }
  });

  t.test('limit bounds and bad cursors are 400', async (t) => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'cursor=not-a-cursor',
      `cursor=${Buffer.from('{"after":"x"}').toString('base64url')}`,
    ]) {
      const response = await app.inject({ method: 'GET', url: `${base}?${query}`, headers: alice });
      t.equal(response.statusCode, 400, query);
      t.match(response.headers['content-type'], /problem\+json/);
    }
  });
});
