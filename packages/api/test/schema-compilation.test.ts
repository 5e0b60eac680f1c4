import { setImmediate as nextTurn } from 'node:timers/promises';
import t from 'tap';
import { DeferredCompilations } from '../src/plugins/deferred-compilation.ts';
import { authHeader, buildTestApp, json } from './helpers/stack.ts';

type Answer = { statusCode: number; body: string; headers: Record<string, unknown> };

/** What a caller sees, minus what differs per request or per database (ids, times, request ids). */
function comparable(response: Answer): unknown {
  const body = JSON.parse(response.body, (key, value: unknown) =>
    ['id', 'requestId', 'projectId', 'createdAt', 'updatedAt', 'ownerId', 'createdBy'].includes(key) ? '…' : value,
  ) as unknown;
  return { status: response.statusCode, type: response.headers['content-type'], body };
}

t.test('validators and serializers compile on first use or in the warm-up, with the same answers', async (t) => {
  const lazy = await buildTestApp(t);
  const warm = await buildTestApp(t);
  await warm.schemaCompilations.warmUp();
  const atReady = lazy.schemaCompilations.stats();
  t.equal(atReady.compiled, 0, 'nothing compiled while the app became ready');
  t.ok(atReady.pending > 20, `every route's schemas wait (${atReady.pending})`);
  t.same(warm.schemaCompilations.stats(), { compiled: atReady.pending, pending: 0 }, 'the warm-up compiles them all');

  const alice = await authHeader('alice');
  const requests = [
    // The params validator (coerced text), its 400 and the problem serializer.
    { method: 'GET', url: '/v1/tasks/not-a-uuid', headers: alice },
    // A body validator with unions and formats, not coerced.
    { method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 123, extra: true } },
    // A valid body: the 201's serializer.
    { method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'Compiled', description: 'd' } },
    // A query string with a default and a bad value.
    { method: 'GET', url: '/v1/projects?limit=0', headers: alice },
    { method: 'GET', url: '/v1/projects', headers: alice },
  ] as const;
  for (const [index, request] of requests.entries()) {
    const before = lazy.schemaCompilations.stats();
    const [fromLazy, fromWarm] = await Promise.all([lazy.inject(request), warm.inject(request)]);
    t.same(comparable(fromLazy), comparable(fromWarm), `${request.method} ${request.url} #${index}: same answer`);
    if (index === 0) {
      t.equal(fromLazy.statusCode, 400);
      t.match(json(fromLazy), { type: '/problems/validation-error', errors: [{ path: '/path/taskId' }] });
      t.ok(lazy.schemaCompilations.stats().compiled > before.compiled, 'the first use compiled what it needed');
    }
  }
  const used = lazy.schemaCompilations.stats();
  t.ok(used.pending > 0, 'routes not called are still not compiled');
  t.equal(used.compiled + used.pending, atReady.pending, 'none compiled twice');

  // One schema per event-loop turn, so a request arriving meanwhile waits for one compilation at most.
  const warming = lazy.schemaCompilations.warmUp();
  t.equal(lazy.schemaCompilations.stats().compiled, used.compiled + 1, 'one compiled before the first yield');
  await nextTurn();
  t.ok(lazy.schemaCompilations.stats().pending < used.pending - 1, 'the next after one turn');
  t.equal(lazy.schemaCompilations.warmUp(), warming, 'one warm-up at a time');
  await warming;
  t.same(lazy.schemaCompilations.stats(), { compiled: atReady.pending, pending: 0 });
});

t.test('a schema that does not compile fails the warm-up once and every use, and never loops', async (t) => {
  const compilations = new DeferredCompilations();
  let attempts = 0;
  const broken = compilations.defer(() => {
    attempts += 1;
    throw new Error('schema is invalid');
  });
  const fine = compilations.defer(() => 'compiled');
  await t.rejects(compilations.warmUp(), /schema is invalid/);
  t.equal(attempts, 1);
  t.same(compilations.stats(), { compiled: 0, pending: 1 }, 'the warm-up stopped at the broken one');
  await compilations.warmUp();
  t.same(compilations.stats(), { compiled: 1, pending: 0 });
  t.equal(fine(), 'compiled');
  t.throws(() => broken(), /schema is invalid/, 'each use still fails, as a throwing validator does (a 500)');
  t.equal(attempts, 2);
});
