import t from 'tap';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';
import { authHeader, buildTestApp } from '../helpers/stack.ts';

// Deterministic cases for what the generated and fault suites found in src (docs/reliability.md,
// "Findings"), kept as regression tests now that their fixes are in packages/api/src.

t.test('findings', async (t) => {
  const app = await buildTestApp(t);
  const alice = await authHeader('alice');

  t.test('finding 1: a path parameter past maxParamLength is answered as problem+json', async (t) => {
    const response = await app.inject({ method: 'GET', url: `/v1/projects/${'x'.repeat(300)}`, headers: alice });
    t.ok(response.statusCode >= 400 && response.statusCode < 500, `status ${response.statusCode}`);
    t.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  t.test(
    'finding 2: connections PostgreSQL terminated at shutdown count as "database unavailable" (503)',
    async (t) => {
      // The exact errors the outage soak logged as 500s.
      t.ok(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable')));
      t.ok(
        isDatabaseUnavailable(
          Object.assign(
            new Error('Database error. Code: `57P01`. Message: `terminating connection due to administrator command`'),
            {
              name: 'PrismaClientKnownRequestError',
              code: 'P2039',
            },
          ),
        ),
      );
    },
  );

  t.test('finding 3: a NUL character in a text field is a 400, not a 500', async (t) => {
    for (const payload of [{ name: 'a\u0000b' }, { name: 'ok', description: '\u0000' }]) {
      const response = await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload });
      t.equal(response.statusCode, 400, JSON.stringify(payload));
    }
    t.equal(await app.prisma.project.count(), 0, 'nothing was written');
  });
});
