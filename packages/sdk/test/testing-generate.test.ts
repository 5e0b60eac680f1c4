/**
 * scripts/generate-mocks.ts on small documents: what it derives from each operation (MSW path,
 * success status, JSON body, declared problem statuses) and where it refuses to guess.
 * Freshness of the committed src/generated/mock-handlers.ts is checked in generate.test.ts.
 */
import t from 'tap';
import type { OpenApiDocument } from '../scripts/generate.ts';
import { generateMocks, mockOperations, mswPath } from '../scripts/generate-mocks.ts';

const problem = { content: { 'application/problem+json': { schema: {} } } };
const doc: OpenApiDocument = {
  openapi: '3.1.0',
  paths: {
    '/widgets/{widgetId}/parts/{partId}': {
      parameters: [],
      put: {
        operationId: 'replaceWidgetPart',
        summary: 'Replace */ a part',
        requestBody: { content: { 'application/merge-patch+json': { schema: {} } } },
        responses: { '200': { content: { 'application/json': { schema: {} } } }, '412': problem, '404': problem },
      },
      delete: { operationId: 'deleteWidgetPart', responses: { '204': {}, '500': { description: 'no body' } } },
    },
    '/ping': { get: { operationId: 'ping' }, post: { operationId: 'createPing', requestBody: { content: {} } } },
  },
};

t.test('derives path, status, body and problem statuses per operation, sorted by operationId', (t) => {
  t.same(mockOperations(doc), [
    { id: 'createPing', method: 'post', path: '/ping', summary: undefined, status: 200, body: false, problems: [] },
    {
      id: 'deleteWidgetPart',
      method: 'delete',
      path: '/widgets/{widgetId}/parts/{partId}',
      summary: undefined,
      status: 204,
      body: false,
      problems: [],
    },
    { id: 'ping', method: 'get', path: '/ping', summary: undefined, status: 200, body: false, problems: [] },
    {
      id: 'replaceWidgetPart',
      method: 'put',
      path: '/widgets/{widgetId}/parts/{partId}',
      summary: 'Replace */ a part',
      status: 200,
      body: true,
      problems: [404, 412],
    },
  ]);
  t.end();
});

t.test('writes routes, problem statuses and one typed factory per operation', (t) => {
  const out = generateMocks(doc);
  t.match(
    out,
    "  replaceWidgetPart: { method: 'put', path: '/widgets/:widgetId/parts/:partId', status: 200, body: true },",
  );
  t.match(out, "  deleteWidgetPart: { method: 'delete', path: '/widgets/:widgetId/parts/:partId', status: 204 },");
  t.match(out, '  replaceWidgetPart: 404 | 412;');
  t.match(out, '  ping: never;');
  t.match(out, '/** Replace *\\/ a part — `PUT /widgets/{widgetId}/parts/{partId}` → 200 */');
  t.match(out, "  ping(resolver: MockResolver<'ping'>, options?: RequestHandlerOptions): HttpHandler;");
  t.end();
});

t.test('refuses what it cannot express', (t) => {
  t.equal(mswPath('/a/{id}/b'), '/a/:id/b');
  t.throws(() => mswPath('/a/{part-id}'), /Path parameter \{part-id\} is not an identifier/);
  t.throws(
    () => mockOperations({ openapi: '3.1.0', paths: { '/x': { get: { responses: {} } } } }),
    /GET \/x has no operationId/,
  );
  t.end();
});
