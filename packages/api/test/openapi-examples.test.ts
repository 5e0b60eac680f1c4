// The contract carries examples for every operation (so /docs "Try it out" starts from real-looking values,
// not strings generated from regex patterns), every example is valid against its schema in the committed
// openapi.json (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), and the request bodies work as they stand.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import t from 'tap';
import { OPENAPI_PATH } from '../src/openapi-document.ts';
import { authHeader, buildTestApp } from './helpers/stack.ts';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// ajv-formats is CommonJS: its default export arrives as the module object under type stripping.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8')) as Json;
const pointer = (path: readonly string[]): string =>
  `#/${path.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

function validatorFor(doc: Json): (path: readonly string[], value: unknown) => string | undefined {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  return (path, value) => {
    const validate = ajv.compile({ $ref: `openapi.json${pointer(path)}` });
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
}

interface Example {
  /** Where the example sits, for messages. */
  readonly at: string;
  /** JSON path of the schema it must satisfy. */
  readonly schema: readonly string[];
  readonly value: unknown;
}

/**
 * Every example in the document: `examples` arrays of schema objects (components and inline), and the
 * `example` / `examples[].value` of media types and parameters, which belong to their `schema`.
 */
function examplesIn(doc: Json): Example[] {
  const found: Example[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, [...path, String(index)]));
      return;
    }
    if (!isRecord(node)) return;
    if (Array.isArray(node.examples) && path.at(-1) !== 'enum') {
      node.examples.forEach((value, index) =>
        found.push({ at: `${pointer(path)}/examples/${index}`, schema: path, value }),
      );
    }
    if ('schema' in node && isRecord(node.schema)) {
      if ('example' in node)
        found.push({ at: `${pointer(path)}/example`, schema: [...path, 'schema'], value: node.example });
      if (isRecord(node.examples)) {
        for (const [name, example] of Object.entries(node.examples)) {
          if (isRecord(example) && 'value' in example) {
            found.push({ at: `${pointer(path)}/examples/${name}`, schema: [...path, 'schema'], value: example.value });
          }
        }
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'example' && key !== 'examples') walk(value, [...path, key]);
    }
  };
  walk(doc, []);
  return found;
}

const resolve = (schema: unknown): Json | undefined => {
  if (!isRecord(schema)) return undefined;
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (isRecord(node) ? node[part] : undefined), document) as Json | undefined;
};
/** Whether Swagger UI has an example to show or send: on the media type or parameter, or on its schema. */
const hasExample = (holder: Json): boolean =>
  'example' in holder ||
  isRecord(holder.examples) ||
  (Array.isArray(resolve(holder.schema)?.examples) && (resolve(holder.schema)?.examples as unknown[]).length > 0);

t.test('every example in openapi.json is valid against its schema', async (t) => {
  const validate = validatorFor(document);
  const examples = examplesIn(document);
  t.ok(examples.length >= 20, `found ${examples.length} examples`);
  for (const example of examples) t.equal(validate(example.schema, example.value), undefined, example.at);
});

t.test('the check catches an example that does not match (it is not vacuous)', async (t) => {
  const broken = structuredClone(document);
  const schemas = (broken.components as Json).schemas as Record<string, Json>;
  (schemas.TaskInput!.examples as Json[])[0] = { title: '', assigneeId: 'not a user id' };
  const validate = validatorFor(broken);
  const failures = examplesIn(broken)
    .map((example) => ({ at: example.at, error: validate(example.schema, example.value) }))
    .filter((result) => result.error !== undefined);
  t.same(
    failures.map((f) => f.at),
    ['#/components/schemas/TaskInput/examples/0'],
  );
  t.match(failures[0]?.error, /title must NOT have fewer than 1 characters/);
});

t.test('every operation has request and response examples', async (t) => {
  const paths = document.paths as Record<string, Record<string, Json>>;
  let operations = 0;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path} (${String(operation.operationId)})`;
      operations += 1;
      for (const parameter of (operation.parameters ?? []) as Json[]) {
        if (parameter.in === 'path') t.ok(hasExample(parameter), `${name}: path parameter ${String(parameter.name)}`);
      }
      const body = operation.requestBody as Json | undefined;
      for (const media of Object.values((body?.content ?? {}) as Record<string, Json>)) {
        t.ok(hasExample(media), `${name}: request body`);
      }
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        for (const media of Object.values((response.content ?? {}) as Record<string, Json>)) {
          t.ok(hasExample(media), `${name}: ${status} response`);
        }
      }
    }
  }
  t.equal(operations, 23, 'every operation was looked at');
});

t.test('the docs page says how to get a token locally and to click Authorize', async (t) => {
  const description = String((document.info as Json).description);
  t.match(description, 'npm run -s token');
  t.match(description, '**Authorize**');
  t.match(description, /replace them with ids from your own responses/);
});

t.test('the request body examples work as they stand against the real API', async (t) => {
  const app = await buildTestApp(t);
  const auth = await authHeader('alice');
  const schemas = (document.components as Json).schemas as Record<string, Json>;
  const example = (name: string): Json => (schemas[name]!.examples as Json[])[0]!;

  const project = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: auth,
    payload: example('ProjectInput'),
  });
  t.equal(project.statusCode, 201, project.body);
  const projectId = project.json<{ id: string }>().id;
  const replacedProject = await app.inject({
    method: 'PUT',
    url: `/v1/projects/${projectId}`,
    headers: auth,
    payload: example('ProjectInput'),
  });
  t.equal(replacedProject.statusCode, 200, replacedProject.body);

  const task = await app.inject({
    method: 'POST',
    url: `/v1/projects/${projectId}/tasks`,
    headers: auth,
    payload: example('TaskInput'),
  });
  t.equal(task.statusCode, 201, task.body);
  const replacedTask = await app.inject({
    method: 'PUT',
    url: `/v1/tasks/${task.json<{ id: string }>().id}`,
    headers: auth,
    payload: example('TaskInput'),
  });
  t.equal(replacedTask.statusCode, 200, replacedTask.body);

  // An invitation answers alike for any id (issue 14.1), so the placeholder id invites as it stands.
  const invitation = await app.inject({
    method: 'POST',
    url: `/v1/projects/${projectId}/invitations`,
    headers: auth,
    payload: example('InvitationInput'),
  });
  t.equal(invitation.statusCode, 201, invitation.body);
});
