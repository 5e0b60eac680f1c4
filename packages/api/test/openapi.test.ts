import { readFile } from 'node:fs/promises';
import t from 'tap';
import { PROBLEM_TYPES } from '../src/http/problem.ts';
import { OPENAPI_PATH, openApiDocument } from '../src/openapi-document.ts';
import { buildTestApp } from './helpers/stack.ts';

t.test('the committed openapi.json matches the route schemas', async (t) => {
  const committed = await readFile(OPENAPI_PATH, 'utf8');
  const fresh = await openApiDocument();
  t.equal(
    committed,
    fresh,
    'packages/api/openapi.json is stale: run `npx nx run @taskboard/api:openapi` and commit it',
  );
  const doc = JSON.parse(fresh) as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>>;
  };
  t.equal(doc.openapi, '3.1.0');
  const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
  t.equal(operations.length, 23);
  for (const operation of operations) {
    const secured = (operation.security?.length ?? 0) > 0;
    t.equal(
      secured,
      !operation.operationId.startsWith('get') || !/Liveness|Serving|Readiness/.test(operation.operationId),
      operation.operationId,
    );
  }
});

t.test('docs are served at /docs', async (t) => {
  const app = await buildTestApp(t);
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /swagger/i);
  const document = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(document.statusCode, 200);
  t.equal(JSON.parse(document.body).info.title, 'Taskboard API');
});

t.test('the Problem schema lists every problem type the api sends (the SDK types problem.type from it)', async (t) => {
  const doc = JSON.parse(await openApiDocument()) as {
    components: { schemas: { Problem: { properties: { type: { type: string; enum: string[] } } } } };
  };
  const type = doc.components.schemas.Problem.properties.type;
  t.equal(type.type, 'string');
  t.same(type.enum, [...new Set(Object.values(PROBLEM_TYPES).map((p) => p.type))]);
});
