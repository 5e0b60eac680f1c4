import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import t from 'tap';
import { Type } from 'typebox';
import { PageQuery, refTo } from '../src/schemas/common.ts';
import { TaskInputSchema } from '../src/schemas/resources.ts';

t.test('refTo writes a plain $ref, so the OpenAPI document keeps pointing at the shared schema', async (t) => {
  t.same(JSON.parse(JSON.stringify(refTo(TaskInputSchema))), { $ref: 'TaskInput' });
  t.throws(() => refTo(Type.Object({})), { message: 'refTo needs a schema with an $id' });
});

// The routes take their request types from their schemas through the TypeBox type provider. This
// route is type-checked by `npm run typecheck` like the routes are: each @ts-expect-error fails the
// typecheck if the handler's types stopped coming from the schema (e.g. became `any`).
t.test('a handler sees the types of its schemas', async (t) => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(TaskInputSchema);
  app.post(
    '/tasks',
    { schema: { querystring: Type.Object(PageQuery), body: refTo(TaskInputSchema) } },
    async (request) => {
      const limit: number | undefined = request.query.limit;
      // @ts-expect-error the querystring schema has no `page`
      const page: unknown = request.query.page;
      const title: string = request.body.title;
      // @ts-expect-error TaskInput has no `owner`
      const owner: unknown = request.body.owner;
      return { limit, title, page, owner };
    },
  );
  const response = await app.inject({ method: 'POST', url: '/tasks?limit=5', payload: { title: 'Write docs' } });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { limit: 5, title: 'Write docs' });
  await app.close();
});
