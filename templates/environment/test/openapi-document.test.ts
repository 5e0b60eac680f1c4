import t from 'tap';
import { toApiGatewayModelSchema } from '../v1/infrastructure/api-gateway-model-schema.ts';
import { listOperations, loadOpenApiDocument, parseOpenApiDocument } from '../v1/infrastructure/openapi-document.ts';
import { FIXTURE_OPENAPI } from './helpers/synthesized-environment.ts';

const bearer = { components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } };

t.test('operations are listed with the security the document gives them', async (t) => {
  const operations = listOperations(loadOpenApiDocument(FIXTURE_OPENAPI));
  t.same(
    operations.map(({ method, path, operationId, secured }) => ({ method, path, operationId, secured })),
    [
      { method: 'GET', path: '/health/ready', operationId: 'getReadiness', secured: false },
      { method: 'GET', path: '/v1/me', operationId: 'getMe', secured: true },
      { method: 'GET', path: '/v1/projects/{projectId}/tasks', operationId: 'listTasks', secured: true },
      { method: 'POST', path: '/v1/projects/{projectId}/tasks', operationId: 'createTask', secured: true },
      { method: 'DELETE', path: '/v1/projects/{projectId}/tasks/{taskId}', operationId: 'deleteTask', secured: true },
    ],
  );
  const listTasks = operations[2]!;
  t.same(listTasks.parameters, [
    { name: 'projectId', in: 'path', required: true },
    { name: 'limit', in: 'query', required: false },
    { name: 'status', in: 'query', required: true },
  ]);
  t.equal(operations[3]!.bodyRequired, true);
});

t.test('a document that is not OpenAPI 3.x is rejected', async (t) => {
  t.throws(() => parseOpenApiDocument({ swagger: '2.0', paths: {} }, 'x.json'), {
    message: /expected an OpenAPI 3.0 or 3.1/,
  });
  t.throws(() => parseOpenApiDocument({ openapi: '3.1.0' }, 'x.json'), { message: /"paths" must be an object/ });
  t.throws(() => loadOpenApiDocument('/nonexistent/openapi.json'), { message: /cannot read the OpenAPI document/ });
});

t.test('operations need ids, unique ids and declared path parameters', async (t) => {
  const doc = (paths: unknown) => parseOpenApiDocument({ openapi: '3.1.0', ...bearer, paths }, 'x');
  t.throws(() => listOperations(doc({ '/a': { get: {} } })), { message: 'GET /a: operationId is required' });
  t.throws(() => listOperations(doc({ '/a': { get: { operationId: 'x' } }, '/b': { get: { operationId: 'x' } } })), {
    message: 'GET /b: operationId "x" is used twice',
  });
  t.throws(() => listOperations(doc({ '/a/{id}': { get: { operationId: 'x' } } })), {
    message: 'GET /a/{id}: path parameter "id" is not declared',
  });
  t.throws(() => listOperations(doc({ a: { get: { operationId: 'x' } } })), { message: /must start with "\/"/ });
  t.throws(
    () => listOperations(doc({ '/a': { get: { operationId: 'x', parameters: [{ $ref: 'other.json#/x' }] } } })),
    {
      message: /only local references/,
    },
  );
  t.throws(() => listOperations(doc({ '/a': { get: { operationId: 'x', parameters: [{ $ref: '#/nope' }] } } })), {
    message: /does not resolve/,
  });
});

t.test('non-bearer schemes and cookie parameters do not make an operation secured or validated', async (t) => {
  const document = parseOpenApiDocument(
    {
      openapi: '3.0.3',
      components: { securitySchemes: { apiKey: { type: 'apiKey' } } },
      paths: {
        '/a': { get: { operationId: 'a', security: [{ apiKey: [] }], parameters: [{ name: 's', in: 'cookie' }] } },
      },
    },
    'x',
  );
  t.same(listOperations(document), [
    { path: '/a', method: 'GET', operationId: 'a', secured: false, parameters: [], bodyRequired: false },
  ]);
});

t.test('OpenAPI 3.0 nullable becomes a draft-4 type union', async (t) => {
  const document = parseOpenApiDocument({ openapi: '3.0.3', paths: {} }, 'x');
  t.same(
    toApiGatewayModelSchema(
      {
        type: 'object',
        properties: { a: { type: 'string', nullable: true, exclusiveMaximum: 5 } },
        not: { required: ['b'] },
      },
      document,
    ),
    {
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      properties: { a: { type: ['string', 'null'], maximum: 5, exclusiveMaximum: true } },
      not: { required: ['b'] },
    },
  );
});
