import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generate, packageRoot, readSpec, sdkMethod, updateReadme, type OpenApiDocument } from '../scripts/generate.ts';
import { Taskboard } from '../src/index.ts';

const spec = readSpec();
const out = generate(spec);

t.test('src/generated and the README table are fresh (run `npm run generate` if this fails)', (t) => {
  for (const [file, content] of Object.entries(out.files)) {
    t.equal(readFileSync(join(packageRoot, file), 'utf8'), content, `${file} matches packages/api/openapi.json`);
  }
  t.ok(readFileSync(join(packageRoot, 'README.md'), 'utf8').includes(out.readmeTable), 'README operations table');
  t.end();
});

t.test('every operation in the OpenAPI document has its SDK method', (t) => {
  const tb = new Taskboard({ baseUrl: 'http://127.0.0.1:1' });
  const calls = [...out.readmeTable.matchAll(/`tb\.([\w.]+)\(/g)].map((m) => m[1] ?? '');
  const count = Object.values(spec.paths).flatMap((item) =>
    Object.values(item).filter((o) => typeof o === 'object' && 'operationId' in o),
  ).length;
  t.equal(calls.length, count);
  for (const call of calls) {
    const fn = call.split('.').reduce<unknown>((obj, key) => (obj as Record<string, unknown> | undefined)?.[key], tb);
    t.type(fn, 'function', `tb.${call}`);
  }
  t.end();
});

const doc = (extra: Partial<OpenApiDocument>): OpenApiDocument => ({ openapi: '3.1.0', paths: {}, ...extra });

t.test('readOnly fields are absent from request types; writeOnly from responses', (t) => {
  const { files } = generate(
    doc({
      components: {
        schemas: {
          Thing: {
            type: 'object',
            required: ['id', 'name', 'secret'],
            properties: {
              id: { type: 'string', readOnly: true },
              name: { type: 'string' },
              secret: { type: 'string', writeOnly: true },
              child: { $ref: '#/components/schemas/Child' },
            },
          },
          Child: {
            type: 'object',
            properties: { at: { type: 'string', format: 'date-time', readOnly: true }, n: { type: 'integer' } },
          },
          Plain: { type: 'string', enum: ['a', "b'c"] },
        },
      },
      paths: {
        '/things/{id}': {
          put: {
            operationId: 'putThing',
            parameters: [{ name: 'id', in: 'path', schema: { type: 'string' } }],
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            responses: {
              '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            },
          },
        },
      },
    }),
  );
  const types = files['src/generated/types.ts'] ?? '';
  t.match(types, 'export interface Thing {\n  readonly id: string;\n  name: string;\n  child?: Child;\n}');
  t.match(types, 'export interface ThingInput {\n  name: string;\n  secret: string;\n  child?: ChildInput;\n}');
  t.match(types, 'export interface ChildInput {\n  n?: number;\n}');
  t.match(types, "export type Plain = 'a' | 'b\\'c';");
  t.match(types, /export type PutThingBody = ThingInput;/);
  t.match(types, /export type PutThingResponse = Thing;/);
  t.notMatch(types, /PlainInput/);
  t.match(files['src/generated/operations.ts'], /putThing: \{ method: 'PUT', path: '\/things\/\{id\}' \}/);
  t.end();
});

t.test('JSON Schema shapes map to TypeScript', (t) => {
  const schemas = {
    A: { type: ['string', 'null'] },
    B: { anyOf: [{ type: 'string', enum: ['x'] }, { type: 'string', enum: ['y'] }, { type: 'null' }] },
    C: { allOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/B' }] },
    D: { type: 'object', additionalProperties: { type: 'integer' } },
    E: { type: 'array', items: { type: ['number', 'boolean'] } },
    F: { const: 'fixed', description: 'Line one\nline two', deprecated: true },
    G: { type: 'object', properties: { 'content-type': { type: 'string', default: 'json', format: 'byte' } } },
    H: {},
    I: { type: 'object', additionalProperties: false },
    J: { type: 'string', nullable: true },
    K: { type: 'array' },
    L: { type: 'object', additionalProperties: true, properties: { a: { type: 'string' } } },
  } as const;
  const types = generate(doc({ components: { schemas: schemas as never } })).files['src/generated/types.ts'] ?? '';
  t.match(types, 'export type A = string | null;');
  t.match(types, "export type B = 'x' | 'y' | null;");
  t.match(types, 'export type C = A & B;');
  t.match(types, 'export interface D {\n  [key: string]: number;\n}');
  t.match(types, 'export type E = (number | boolean)[];');
  t.match(types, "/**\n * Line one\n * line two\n * @deprecated\n */\nexport type F = 'fixed';");
  t.match(types, '  /**\n   * @format byte\n   * @default "json"\n   */\n  \'content-type\'?: string;');
  t.match(types, 'export type H = unknown;');
  t.match(types, 'export type I = Record<string, never>;');
  t.match(types, 'export type J = string | null;');
  t.match(types, 'export type K = unknown[];');
  t.match(types, '  [key: string]: unknown;');
  t.end();
});

t.test('fails loudly on what it does not support', (t) => {
  t.throws(() => generate({ openapi: '3.0.3', paths: {} }), /OpenAPI 3\.1/);
  t.throws(
    () => generate(doc({ components: { schemas: { X: { $ref: 'other.json#/X' } } } })),
    /Unsupported \$ref other\.json#\/X/,
  );
  t.throws(() => generate(doc({ components: { schemas: { X: { type: 'file' } } } })), /Unsupported schema type "file"/);
  t.throws(() => generate(doc({ paths: { '/x': { get: { responses: {} } } } })), /GET \/x has no operationId/);
  t.throws(
    () =>
      generate(
        doc({
          components: {
            schemas: { X: { type: 'object', properties: { id: { type: 'string', readOnly: true } } }, XInput: {} },
          },
          paths: {
            '/x': {
              post: {
                operationId: 'postX',
                requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/X' } } } },
              },
            },
          },
        }),
      ),
    /XInput collides/,
  );
  t.throws(() => updateReadme('# no markers', out.readmeTable), /markers/);
  t.end();
});

t.test('parameters: $ref, path-level sharing, anonymous security, idempotency header', (t) => {
  const { files, readmeTable } = generate(
    doc({
      security: [{ bearerAuth: [] }],
      components: { parameters: { Limit: { name: 'limit', in: 'query', schema: { type: 'integer' } } } },
      paths: {
        '/a/{aId}': {
          parameters: [{ name: 'aId', in: 'path', required: true, schema: { type: 'string' } }],
          get: {
            operationId: 'listWidgetParts',
            summary: 'a | b',
            parameters: [{ $ref: '#/components/parameters/Limit' }],
          },
          post: {
            operationId: 'createWidget',
            security: [{}],
            parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          },
        },
      },
    }),
  );
  t.match(files['src/generated/operations.ts'], "listWidgetParts: { method: 'GET', path: '/a/{aId}', auth: true },");
  t.match(
    files['src/generated/operations.ts'],
    "createWidget: { method: 'POST', path: '/a/{aId}', idempotencyKey: true },",
  );
  t.match(files['src/generated/types.ts'], 'export interface ListWidgetPartsQuery {\n  limit?: number;\n}');
  t.match(readmeTable, '`tb.widgets.parts.list(aId, query?)` | bearer | a \\| b |');
  t.throws(
    () =>
      generate(
        doc({ paths: { '/x': { get: { operationId: 'x', parameters: [{ $ref: '#/components/parameters/Nope' }] } } } }),
      ),
    /Unresolvable parameter/,
  );
  t.end();
});

t.test('resource methods carry JSDoc from the contract', (t) => {
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  const common = { '400': problem('Bad'), '401': problem('No token') };
  const { files } = generate(
    doc({
      security: [{ bearerAuth: [] }],
      components: {
        schemas: {
          Problem: { type: 'object', properties: { type: { type: 'string', enum: ['/problems/a'] } } },
          Gadget: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
      paths: {
        '/gadgets': {
          get: {
            operationId: 'listGadgets',
            summary: 'Gadgets, oldest first',
            parameters: [{ name: 'cursor', in: 'query', schema: { type: 'string' } }],
            responses: {
              '200': {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        items: { type: 'array', items: { $ref: '#/components/schemas/Gadget' } },
                        nextCursor: { type: ['string', 'null'] },
                      },
                    },
                  },
                },
              },
              ...common,
            },
          },
        },
        '/gadgets/{gadgetId}': {
          put: {
            operationId: 'replaceGadget',
            summary: 'Replace a gadget.',
            description: 'Line one.\nA */ in the text stays inside the comment.',
            deprecated: true,
            parameters: [{ name: 'gadgetId', in: 'path', description: 'The gadget.', schema: { type: 'string' } }],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Gadget' } } },
            },
            responses: {
              '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Gadget' } } } },
              '404': problem('No such gadget.'),
              '412': problem('Stale.'),
              '415': problem('Not JSON.'),
              ...common,
            },
          },
        },
        '/health/gadget': {
          get: { operationId: 'getGadgetHealth', security: [], responses: { '503': problem('Default Response') } },
        },
      },
    }),
  );
  const resources = files['src/generated/resources.ts'] ?? '';
  t.match(
    resources,
    [
      '  /**',
      '   * Replace a gadget.',
      '   *',
      '   * Line one.',
      '   * A *\\/ in the text stays inside the comment.',
      '   *',
      '   * `PUT /gadgets/{gadgetId}` (operationId `replaceGadget`); sends the bearer token.',
      '   * @param gadgetId The gadget.',
      '   * @throws {NotFoundError} 404: No such gadget.',
      '   * @throws {PreconditionFailedError} 412: Stale.',
      '   * @throws {APIError} 415: Not JSON.',
      '   * @deprecated',
      '   */',
      '  replace(gadgetId: string, body: T.ReplaceGadgetBody, options?: RequestOptions): APIPromise<T.ReplaceGadgetResponse> {',
      "    return this.client.request('replaceGadget', { params: { gadgetId }, body }, options);",
    ].join('\n'),
    'summary, description, path, auth, params, errors beyond the common ones, deprecation',
  );
  t.match(
    resources,
    [
      '  /**',
      '   * Gadgets, oldest first.',
      '   *',
      '   * `GET /gadgets` (operationId `listGadgets`); sends the bearer token.',
      '   */',
      "  list(query?: T.ListGadgetsQuery, options?: RequestOptions): PageIterator<T.ListGadgetsResponse['items'][number]> {",
      "    return this.client.list('listGadgets', { query }, options);",
    ].join('\n'),
    'a cursor-paginated list returns a PageIterator; 400 and 401 are common to every secured operation',
  );
  t.match(
    resources,
    '   * `GET /health/gadget` (operationId `getGadgetHealth`); no token needed.\n   * @throws {InternalServerError} 503\n   */',
    'an anonymous operation lists all its errors; the placeholder description is dropped',
  );
  t.match(resources, 'export class GadgetsAPI extends Resource {');
  t.notMatch(resources, /\*\/ in the text/, 'contract text cannot close the comment early');
  t.throws(
    () => generate(doc({ paths: { '/x': { get: { operationId: 'ping' } } } })),
    /operationId ping names no resource/,
  );
  t.end();
});

t.test('an optional request body stays optional in Operations and on the resource method', (t) => {
  const body = (required: boolean) => ({
    required,
    content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } } } } },
  });
  const { files } = generate(
    doc({
      paths: {
        '/knobs': { post: { operationId: 'createKnob', requestBody: body(false) } },
        '/knobs/{knobId}': {
          put: {
            operationId: 'replaceKnob',
            parameters: [{ name: 'knobId', in: 'path', schema: { type: 'integer' } }],
            requestBody: body(true),
          },
        },
      },
    }),
  );
  const types = files['src/generated/types.ts'] ?? '';
  const resources = files['src/generated/resources.ts'] ?? '';
  t.match(types, 'createKnob: {\n    params: never;\n    query: never;\n    body: CreateKnobBody | undefined;');
  t.match(types, 'replaceKnob: {\n    params: ReplaceKnobParams;\n    query: never;\n    body: ReplaceKnobBody;');
  t.match(resources, 'create(body?: T.CreateKnobBody, options?: RequestOptions): APIPromise<void> {');
  t.match(
    resources,
    "replace(knobId: T.ReplaceKnobParams['knobId'], body: T.ReplaceKnobBody, options?: RequestOptions)",
    'a non-string path parameter keeps its contract type',
  );
  t.end();
});

t.test('sdkMethod follows <verb><Resource> and the overrides', (t) => {
  t.equal(sdkMethod({ id: 'listProjectMembers' }), 'projects.members.list');
  t.equal(sdkMethod({ id: 'getMe' }), 'me.get');
  t.equal(sdkMethod({ id: 'getReadiness' }), 'health.ready');
  t.equal(sdkMethod({ id: 'ping' }), 'ping');
  t.end();
});
