import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchemaHistory, inputTypeOf, loadProtonSchema, SpecValidationError } from '@taskboard/template-kit';
import t from 'tap';
import {
  loadEnvironmentInputs,
  parseEnvironmentInputs,
  SCHEMA_DIR,
  SCHEMA_PATH,
} from '../v1/infrastructure/environment-inputs.ts';
import { PACKAGE_DIR } from './helpers/synthesized-environment.ts';

function problemsOf(spec: unknown): readonly string[] {
  try {
    parseEnvironmentInputs(spec);
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
}

t.test('consecutive minor schema versions are backward compatible', async (t) => {
  t.same(checkSchemaHistory(SCHEMA_DIR, 'environment'), []);
});

t.test('the schema is a Proton environment schema with an OpenAPI 3 format', async (t) => {
  const document = loadProtonSchema(SCHEMA_PATH);
  t.equal(document.schema.format.openapi, '3.0.0');
  t.equal(document.schema.environment_input_type, 'TaskboardEnvironmentInput');
});

t.test('every schema parameter has a description, and every optional one a default', async (t) => {
  const type = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment');
  const required = new Set(type.required ?? []);
  for (const [name, property] of Object.entries(type.properties ?? {})) {
    t.ok(property.description, `${name} has a description`);
    if (!required.has(name)) t.not(property.default, undefined, `${name} has a default`);
  }
});

t.test('every schema parameter is documented in templates/README.md', async (t) => {
  const readme = readFileSync(join(PACKAGE_DIR, '..', 'README.md'), 'utf8');
  const type = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment');
  for (const name of Object.keys(type.properties ?? {})) t.match(readme, `\`${name}\``, name);
});

t.test('the example specs are valid and get the schema defaults', async (t) => {
  const dev = loadEnvironmentInputs(join(PACKAGE_DIR, 'specs', 'dev.yaml'));
  t.equal(dev.vpc_cidr, '10.0.0.0/16');
  t.equal(dev.db_backup_retention_days, 7);
  t.equal(dev.db_multi_az, false);
  const prod = loadEnvironmentInputs(join(PACKAGE_DIR, 'specs', 'prod.yaml'));
  t.equal(prod.db_multi_az, true);
  t.equal(prod.deletion_protection, true);
});

t.test('a wrong value is a clear error naming the field and the allowed values', async (t) => {
  t.same(problemsOf({ environment_name: 'dev', db_instance_class: 'db.m5.huge' }), [
    'spec.db_instance_class: must be one of "t4g.micro", "t4g.small", "t4g.medium", "t4g.large", "m7g.large", "m7g.xlarge", "r7g.large", "r7g.xlarge"; got "db.m5.huge"',
  ]);
  t.same(problemsOf({ environment_name: 'dev', user_pool_mfa: 'off' }), [
    'spec.user_pool_mfa: must be one of "optional", "required"; got "off"',
  ]);
});

t.test('a missing required field and an unknown field are named', async (t) => {
  t.same(problemsOf({ nat_gateway: 1 }), [
    'spec.environment_name: is required',
    'spec.nat_gateway: is not a known field',
  ]);
});

t.test('bounds and patterns are checked', async (t) => {
  t.same(problemsOf({ environment_name: 'Dev!', nat_gateways: 3, cors_allowed_origins: ['*'] }), [
    'spec.environment_name: must match pattern "^[a-z][a-z0-9-]{1,19}$"; got "Dev!"',
    'spec.nat_gateways: must be <= 2; got 3',
    'spec.cors_allowed_origins.0: must match pattern "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"; got "*"',
  ]);
});

t.test('a spec file that is not an EnvironmentSpec is rejected', async (t) => {
  t.throws(() => loadEnvironmentInputs(join(PACKAGE_DIR, 'v1', 'schema', 'schema.yaml')), {
    message: /proton: must be EnvironmentSpec/,
  });
});
