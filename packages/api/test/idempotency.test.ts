import t from 'tap';
import { authHeader, buildTestApp, json } from './helpers/stack.ts';

t.test('Idempotency-Key on POST', async (t) => {
  const app = await buildTestApp(t);
  const alice = await authHeader('alice');
  const countProjects = async () => app.prisma.project.count();

  t.test('a retry with the same key and body replays the first response without a second write', async (t) => {
    const headers = { ...alice, 'idempotency-key': 'create-1' };
    const first = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'Once' } });
    const before = await countProjects();
    const second = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'Once' } });
    t.equal(first.statusCode, 201);
    t.equal(second.statusCode, 201);
    t.same(json(second), json(first));
    t.equal(second.headers.etag, first.headers.etag);
    t.equal(second.headers.location, first.headers.location);
    t.equal(second.headers['idempotent-replayed'], 'true');
    t.equal(await countProjects(), before);
  });

  t.test('the same key with a different body is rejected', async (t) => {
    const headers = { ...alice, 'idempotency-key': 'create-2' };
    await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'A' } });
    const response = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'B' } });
    t.equal(response.statusCode, 422);
    t.match(json(response), { type: '/problems/idempotency-key-mismatch' });
  });

  t.test('keys are per user', async (t) => {
    const bob = await authHeader('bob');
    const a = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...alice, 'idempotency-key': 'shared' },
      payload: { name: 'A' },
    });
    const b = await app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...bob, 'idempotency-key': 'shared' },
      payload: { name: 'A' },
    });
    t.not(json(a).id, json(b).id);
  });

  t.test('concurrent retries with one key create exactly one row', async (t) => {
    const p = json(
      await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'Concurrent' } }),
    );
    const url = `/v1/projects/${String(p.id)}/tasks`;
    const headers = { ...alice, 'idempotency-key': 'task-race' };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => app.inject({ method: 'POST', url, headers, payload: { title: 'only one' } })),
    );
    t.same([...new Set(responses.map((r) => r.statusCode))], [201]);
    t.equal(new Set(responses.map((r) => json(r).id)).size, 1);
    t.equal(await app.prisma.task.count({ where: { projectId: String(p.id) } }), 1);
  });

  t.test('expired keys no longer replay', async (t) => {
    const headers = { ...alice, 'idempotency-key': 'expiring' };
    const first = json(await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'E' } }));
    await app.prisma.idempotencyKey.updateMany({
      where: { key: 'expiring' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const second = json(await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name: 'E' } }));
    t.not(second.id, first.id);
    await app.prisma.idempotencyKey.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    t.ok((await app.services.idempotency.sweep()) > 0, 'sweep removes expired keys');
  });

  t.test('failed requests are not stored', async (t) => {
    const headers = { ...alice, 'idempotency-key': 'bad-then-good' };
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/projects/01a21595-5be5-7268-bf25-2701bf257009/tasks',
      headers,
      payload: { title: 'x' },
    });
    t.equal(bad.statusCode, 404);
    t.equal(await app.prisma.idempotencyKey.count({ where: { key: 'bad-then-good' } }), 0);
  });
});
