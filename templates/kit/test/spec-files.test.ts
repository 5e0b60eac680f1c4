import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  checkSchemaHistory,
  inputTypeOf,
  loadEnvironmentSpec,
  loadProtonSchema,
  loadSchemaHistory,
  loadServiceSpec,
  parseProtonSchema,
  parseServiceSpec,
} from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const schemaText = (properties: string, required = '[a]') => `schema:
  format:
    openapi: '3.0.0'
  service_input_type: Input
  types:
    Input:
      type: object
      required: ${required}
      properties:
${properties}
`;

t.test('spec files are read in Proton shape', async (t) => {
  t.same(loadEnvironmentSpec(write('env.yaml', 'proton: EnvironmentSpec\nspec:\n  a: 1\n')), {
    proton: 'EnvironmentSpec',
    spec: { a: 1 },
  });
  t.same(
    loadServiceSpec(
      write('svc.yaml', 'proton: ServiceSpec\ninstances:\n  - name: api-dev\n    environment: dev\n    spec: {a: 1}\n'),
    ),
    {
      proton: 'ServiceSpec',
      instances: [{ name: 'api-dev', environment: 'dev', spec: { a: 1 } }],
    },
  );
});

t.test('malformed spec files are rejected with the place named', async (t) => {
  t.throws(() => loadEnvironmentSpec(write('bad1.yaml', 'proton: ServiceSpec\n')), {
    message: /proton: must be EnvironmentSpec/,
  });
  t.throws(() => loadEnvironmentSpec(write('bad2.yaml', 'proton: EnvironmentSpec\nspec: 3\n')), {
    message: /spec: must be a mapping/,
  });
  t.throws(() => loadEnvironmentSpec(write('bad3.yaml', 'a: [\n')), { message: /cannot read spec/ });
  t.throws(() => parseServiceSpec({ proton: 'EnvironmentSpec' }, 's'), { message: 's: proton: must be ServiceSpec' });
  t.throws(() => parseServiceSpec({ proton: 'ServiceSpec', instances: [] }, 's'), {
    message: /at least one service instance/,
  });
  t.throws(() => parseServiceSpec({ proton: 'ServiceSpec', instances: [3] }, 's'), {
    message: 's: instances[0] must be a mapping',
  });
  t.throws(() => parseServiceSpec({ proton: 'ServiceSpec', instances: [{ name: '1x' }] }, 's'), {
    message: /instances\[0\]\.name/,
  });
  t.throws(() => parseServiceSpec({ proton: 'ServiceSpec', instances: [{ name: 'x' }] }, 's'), {
    message: 's: instances[0].environment: is required',
  });
  t.throws(() => parseServiceSpec({ proton: 'ServiceSpec', instances: [{ name: 'x', environment: 'dev' }] }, 's'), {
    message: 's: instances[0].spec: must be a mapping',
  });
});

t.test('Proton schema documents are checked and the input type found', async (t) => {
  const document = loadProtonSchema(write('schema.yaml', schemaText('        a: {type: string}')));
  t.same(inputTypeOf(document, 'service').required, ['a']);
  t.throws(() => inputTypeOf(document, 'environment'), { message: 'schema.environment_input_type is not set' });
  t.throws(() => parseProtonSchema('x: 1', 'f'), { message: 'f: expected a top-level "schema:" mapping' });
  t.throws(() => parseProtonSchema('schema: {format: {}}', 'f'), { message: /format.openapi/ });
  t.throws(() => parseProtonSchema("schema: {format: {openapi: '3.0.0'}}", 'f'), {
    message: /schema.types must be a mapping/,
  });
  const missing = parseProtonSchema("schema: {format: {openapi: '3.0.0'}, service_input_type: X, types: {}}", 'f');
  t.throws(() => inputTypeOf(missing, 'service'), { message: /names "X", which is not in schema.types/ });
});

t.test('the schema history compares every consecutive pair, then the working copy', async (t) => {
  const root = join(dir, 'schema-dir');
  mkdirSync(join(root, 'history'), { recursive: true });
  writeFileSync(join(root, 'history', '1.0.yaml'), schemaText('        a: {type: string}\n        b: {type: string}'));
  writeFileSync(
    join(root, 'history', '1.1.yaml'),
    schemaText('        a: {type: string}\n        b: {type: string}\n        c: {type: string}'),
  );
  writeFileSync(
    join(root, 'schema.yaml'),
    schemaText('        a: {type: string}\n        c: {type: string}', '[a, c]'),
  );
  writeFileSync(
    join(root, 'history', 'manifest.yaml'),
    "versions:\n  - {version: '1.0', file: 1.0.yaml}\n  - {version: '1.1', file: 1.1.yaml}\n",
  );
  t.same(
    loadSchemaHistory(root).map((entry) => entry.version),
    ['1.0', '1.1'],
  );
  t.same(checkSchemaHistory(root, 'service'), [
    { from: '1.1', to: 'schema.yaml', problem: 'spec.b: property removed' },
    { from: '1.1', to: 'schema.yaml', problem: 'spec.c: newly required without a default' },
  ]);
  writeFileSync(join(root, 'history', 'manifest.yaml'), 'versions: []\n');
  t.throws(() => loadSchemaHistory(root), { message: /at least one entry/ });
  writeFileSync(join(root, 'history', 'manifest.yaml'), 'versions: [{version: 1}]\n');
  t.throws(() => loadSchemaHistory(root), { message: /versions\[0\] needs a string "version" and "file"/ });
});
