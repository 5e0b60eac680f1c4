import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadEnvironmentOutputs, resolveEnvironmentReferences, type JsonSchema } from '../src/index.ts';

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
  const outputs = { VpcId: 'vpc-1', PrivateAppSubnetIds: 'subnet-a, subnet-b', ServicePort: '3000' };
  t.same(resolveEnvironmentReferences(spec, schema, outputs), {
    vpc_id: 'vpc-1',
    subnet_ids: ['subnet-a', 'subnet-b'],
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
  writeFileSync(join(dir, 'nested.json'), JSON.stringify({ 'taskboard-dev': { VpcId: 'vpc-1' } }));
  writeFileSync(join(dir, 'flat.json'), JSON.stringify({ VpcId: 'vpc-2', ApiUrl: 'https://x' }));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ VpcId: 1, Other: 2 }));
  writeFileSync(
    join(dir, 'two.json'),
    JSON.stringify({ 'taskboard-dev': { VpcId: 'd' }, 'taskboard-prod': { VpcId: 'p' } }),
  );
  writeFileSync(join(dir, 'broken.json'), '{');
  t.same(loadEnvironmentOutputs(join(dir, 'two.json'), 'prod'), { VpcId: 'p' });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'two.json'), 'qa'), {
    message: /no outputs for environment "qa"; stacks in the file: taskboard-dev, taskboard-prod/,
  });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'broken.json')), { message: /cannot read environment outputs/ });
  writeFileSync(join(dir, 'array.json'), '[]');
  t.throws(() => loadEnvironmentOutputs(join(dir, 'array.json')), { message: /expected a JSON object/ });
  t.same(loadEnvironmentOutputs(join(dir, 'nested.json')), { VpcId: 'vpc-1' });
  t.same(loadEnvironmentOutputs(join(dir, 'flat.json')), { VpcId: 'vpc-2', ApiUrl: 'https://x' });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'bad.json')), { message: /output "VpcId" must be a string/ });
  t.throws(() => loadEnvironmentOutputs(join(dir, 'missing.json')), { message: /cannot read environment outputs/ });
});
