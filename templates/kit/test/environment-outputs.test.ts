import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadEnvironmentOutputs, resolveEnvironmentReferences, type JsonSchema } from '../src/index.ts';

// Well-formed ids (8 or 17 hex digits), like the example outputs files (see example-outputs.test.ts).
const VPC_1 = 'vpc-0a1b2c3d4e5f60001';
const VPC_2 = 'vpc-0a1b2c3d4e5f60002';
const SUBNET_A = 'subnet-0a1b2c3d4e5f6000a';
const SUBNET_B = 'subnet-0a1b2c3d4e5f6000b';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    vpc_id: { type: 'string' },
    subnet_ids: { type: 'array', items: { type: 'string' } },
    port: { type: 'integer' },
  },
};

t.test('references to environment outputs are replaced and converted to the field type', async (t) => {
  const spec = {
    vpc_id: '{{ environment.outputs.VpcId }}',
    subnet_ids: '{{environment.outputs.PrivateAppSubnetIds}}',
    port: '{{ environment.outputs.ServicePort }}',
    literal: 'kept',
  };
  t.same(resolveEnvironmentReferences({ subnet_ids: '{{ environment.outputs.None }}' }, schema, { None: 'none' }), {
    subnet_ids: [],
  });
  const outputs = {
    VpcId: VPC_1,
    PrivateAppSubnetIds: `${SUBNET_A}, ${SUBNET_B}`,
    ServicePort: '3000',
  };
  t.same(resolveEnvironmentReferences(spec, schema, outputs), {
    vpc_id: VPC_1,
    subnet_ids: [SUBNET_A, SUBNET_B],
    port: 3000,
    literal: 'kept',
  });
});

t.test('a reference to a missing output names the field and the output', async (t) => {
  t.throws(() => resolveEnvironmentReferences({ vpc_id: '{{ environment.outputs.Vpc }}' }, schema, {}), {
    message: 'spec.vpc_id: environment output "Vpc" is not among the environment\'s outputs',
  });
});

t.test('reads cdk --outputs-file JSON and flat maps', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'nested.json'), JSON.stringify({ 'taskboard-dev': { VpcId: VPC_1 } }));
  writeFileSync(join(dir, 'flat.json'), JSON.stringify({ VpcId: VPC_2, ApiUrl: 'https://x' }));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ VpcId: 1, Other: 2 }));
  writeFileSync(
    join(dir, 'two.json'),
    JSON.stringify({ 'taskboard-dev': { VpcId: VPC_1 }, 'taskboard-prod': { VpcId: VPC_2 } }),
  );
  writeFileSync(join(dir, 'broken.json'), '{');
  t.same(loadEnvironmentOutputs(join(dir, 'two.json'), 'prod'), { VpcId: VPC_2 });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'two.json'), 'qa'), {
    message: /no outputs for environment "qa"; stacks in the file: taskboard-dev, taskboard-prod/,
  });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'broken.json')), { message: /cannot read environment outputs/ });
  writeFileSync(join(dir, 'array.json'), '[]');
  t.throws(() => loadEnvironmentOutputs(join(dir, 'array.json')), { message: /expected a JSON object/ });
  t.same(loadEnvironmentOutputs(join(dir, 'nested.json')), { VpcId: VPC_1 });
  t.same(loadEnvironmentOutputs(join(dir, 'flat.json')), { VpcId: VPC_2, ApiUrl: 'https://x' });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'bad.json')), { message: /output "VpcId" must be a string/ });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'missing.json')), { message: /cannot read environment outputs/ });
});
