import t from 'tap';
import { authHeader, buildTestApp, json } from '../helpers/stack.ts';

// Issue 14, item 6 ("smaller items"); docs/reliability.md, "Smaller items", names each test here.

t.test('authenticated responses carry Cache-Control: no-store', async (t) => {
  const app = await buildTestApp(t);
  const alice = await authHeader('alice');
  const created = await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'P' } });
  t.equal(created.statusCode, 201);
  const responses = {
    'a list': await app.inject({ method: 'GET', url: '/v1/projects', headers: alice }),
    'a create': created,
    'a read': await app.inject({ method: 'GET', url: `/v1/projects/${String(json(created).id)}`, headers: alice }),
    'a problem for a signed-in caller': await app.inject({
      method: 'GET',
      url: '/v1/projects/0190b6c5-0000-7000-8000-000000000000',
      headers: alice,
    }),
    'a 401 for a bad token': await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Bearer a.b.c' },
    }),
  };
  for (const [what, response] of Object.entries(responses)) {
    t.equal(response.headers['cache-control'], 'no-store', what);
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  t.not(docs.headers['cache-control'], 'no-store', 'public documents stay cacheable');
});
