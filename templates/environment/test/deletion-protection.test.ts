// Schema 1.2 renamed db_deletion_protection to deletion_protection (it also keeps the user pool and
// the load balancer's logs). Specs written for 1.0/1.1 must deploy exactly what they did, so the old
// name is a deprecated alias: the same template either way, and a spec may not give both.
// CDK assertions on the synthesized template only.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentSpec, SpecValidationError } from '@taskboard/template-kit';
import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { buildEnvironmentApp } from '../v1/infrastructure/app.ts';
import { parseEnvironmentInputs } from '../v1/infrastructure/environment-inputs.ts';
import { loadOpenApiDocument } from '../v1/infrastructure/openapi-document.ts';
import { FIXTURE_OPENAPI, PACKAGE_DIR } from './helpers/synthesized-environment.ts';

const devSpec = loadEnvironmentSpec(join(PACKAGE_DIR, 'specs', 'dev.yaml')).spec as Record<string, unknown>;
const { deletion_protection: devValue, ...withoutEither } = devSpec;

function templateOf(spec: Record<string, unknown>): unknown {
  const { stack } = buildEnvironmentApp({
    inputs: parseEnvironmentInputs(spec),
    openApi: loadOpenApiDocument(FIXTURE_OPENAPI),
    region: 'eu-west-1',
    outdir: mkdtempSync(join(tmpdir(), 'taskboard-deletion-protection-')),
  });
  return Template.fromStack(stack).toJSON();
}

t.test('the dev example uses the new name, off', async (t) => {
  t.equal(devValue, false);
  t.notOk('db_deletion_protection' in devSpec);
});

t.test('the deprecated name means the same: the same inputs and the same template', async (t) => {
  for (const value of [true, false]) {
    const renamed = parseEnvironmentInputs({ ...withoutEither, deletion_protection: value });
    const deprecated = parseEnvironmentInputs({ ...withoutEither, db_deletion_protection: value });
    t.same(deprecated, renamed, `${value}`);
    t.equal(renamed.deletion_protection, value);
    t.notOk('db_deletion_protection' in renamed, 'the stack sees one name only');
  }
  t.equal(parseEnvironmentInputs(withoutEither).deletion_protection, true, 'neither given: the default, on');
  // Off is the value that changes the database, the user pool and the log bucket.
  t.same(
    templateOf({ ...withoutEither, db_deletion_protection: false }),
    templateOf({ ...withoutEither, deletion_protection: false }),
  );
});

t.test('a spec that gives both names is refused, naming both', async (t) => {
  for (const both of [
    { db_deletion_protection: false, deletion_protection: false },
    { db_deletion_protection: true, deletion_protection: false },
  ]) {
    t.throws(
      () => parseEnvironmentInputs({ ...withoutEither, ...both }),
      new SpecValidationError('spec', [
        'spec.db_deletion_protection: is the deprecated name of spec.deletion_protection; give only deletion_protection',
      ]),
    );
  }
});
