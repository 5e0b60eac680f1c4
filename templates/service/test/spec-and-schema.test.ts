import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkSchemaHistory,
  EnvironmentOutputsError,
  inputTypeOf,
  loadProtonSchema,
  loadServiceSpec,
  SpecValidationError,
} from '@taskboard/template-kit';
import t from 'tap';
import {
  loadServiceInstances,
  parseServiceInputs,
  SCHEMA_DIR,
  SCHEMA_PATH,
} from '../v1/infrastructure/service-inputs.ts';
import { EXAMPLE_OUTPUTS, exampleOutputs, PACKAGE_DIR } from './helpers/synthesized-service.ts';

const devSpec = loadServiceSpec(join(PACKAGE_DIR, 'specs', 'dev.yaml')).instances[0]!.spec;
const outputs = exampleOutputs('dev');

function problemsOf(changes: Record<string, unknown>): readonly string[] {
  try {
    parseServiceInputs({ ...devSpec, ...changes }, outputs);
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
}

t.test('consecutive minor schema versions are backward compatible', async (t) => {
  t.same(checkSchemaHistory(SCHEMA_DIR, 'service'), []);
});

t.test('the schema is a Proton service schema with an OpenAPI 3 format', async (t) => {
  const document = loadProtonSchema(SCHEMA_PATH);
  t.equal(document.schema.format.openapi, '3.0.0');
  t.equal(document.schema.service_input_type, 'TaskboardServiceInput');
});

t.test(
  'every schema parameter has a description, and every optional one a default (except desired_capacity)',
  async (t) => {
    const type = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'service');
    const required = new Set(type.required ?? []);
    for (const [name, property] of Object.entries(type.properties ?? {})) {
      t.ok(property.description, `${name} has a description`);
      if (!required.has(name) && name !== 'desired_capacity')
        t.not(property.default, undefined, `${name} has a default`);
    }
  },
);

t.test('every schema parameter is documented in templates/README.md', async (t) => {
  const readme = readFileSync(join(PACKAGE_DIR, '..', 'README.md'), 'utf8');
  const type = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'service');
  for (const name of Object.keys(type.properties ?? {})) t.match(readme, `\`${name}\``, name);
});

t.test('environment outputs are referenced by name, Proton style', async (t) => {
  t.equal(devSpec.vpc_id, '{{ environment.outputs.VpcId }}');
  const [instance] = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'dev.yaml'), EXAMPLE_OUTPUTS);
  t.equal(instance!.inputs.vpc_id, outputs.VpcId);
  t.same(instance!.inputs.private_subnet_ids, outputs.PrivateAppSubnetIds!.split(','));
  t.equal(instance!.inputs.service_port, 3000);
  t.same(instance!.inputs.cors_allowed_origins, ['http://localhost:5173']);
  t.equal(instance!.environment, 'dev');
});

t.test('a reference to an output the environment does not have is named', async (t) => {
  t.throws(() => parseServiceInputs({ ...devSpec, vpc_id: '{{ environment.outputs.VpcIdentifier }}' }, outputs), {
    name: 'EnvironmentOutputsError',
    message: 'spec.vpc_id: environment output "VpcIdentifier" is not among the environment\'s outputs',
  });
  t.ok(EnvironmentOutputsError);
});

t.test('a wrong instance type is a clear error naming the field and the allowed values', async (t) => {
  const [problem] = problemsOf({ instance_type: 'm5.24xlarge' });
  t.match(problem, /^spec\.instance_type: must be one of "t4g\.small", "t4g\.medium", .*; got "m5\.24xlarge"$/);
});

t.test('a missing AMI id and a malformed one are named', async (t) => {
  const { ami_id: _removed, ...withoutAmi } = devSpec;
  void _removed;
  t.throws(() => parseServiceInputs(withoutAmi, outputs), {
    name: 'SpecValidationError',
    message: /\n {2}- spec\.ami_id: is required$/,
  });
  t.same(problemsOf({ ami_id: 'ubuntu-24.04' }), [
    'spec.ami_id: must match pattern "^ami-[0-9a-f]{8,17}$"; got "ubuntu-24.04"',
  ]);
});

t.test('nested list entries are validated with their position', async (t) => {
  t.same(problemsOf({ scheduled_actions: [{ name: 'x', schedule: 'daily' }] }), [
    'spec.scheduled_actions.0.schedule: must match pattern "^\\S+ \\S+ \\S+ \\S+ \\S+$"; got "daily"',
  ]);
  t.same(problemsOf({ step_scaling_steps: [{ lower: 80 }] }), ['spec.step_scaling_steps.0.change: is required']);
});

t.test('the instance name and environment come from the spec file', async (t) => {
  const [instance] = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'prod.yaml'), EXAMPLE_OUTPUTS);
  t.equal(instance!.name, 'taskboard-api-prod');
  t.equal(instance!.inputs.issuer_url, exampleOutputs('prod').UserPoolIssuerUrl);
});
