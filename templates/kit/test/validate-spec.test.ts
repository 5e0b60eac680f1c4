import t from 'tap';
import { SpecValidationError, validateSpec, type JsonSchema } from '../src/index.ts';

const schema: JsonSchema = {
  type: 'object',
  required: ['ami_id'],
  properties: {
    ami_id: { type: 'string', pattern: '^ami-[0-9a-f]{8,17}$' },
    instance_type: { type: 'string', enum: ['t4g.small', 't4g.medium'], default: 't4g.small' },
    min_capacity: { type: 'integer', minimum: 1, default: 2 },
    origins: { type: 'array', items: { type: 'string' }, default: [] },
    nested: { type: 'object', properties: { a: { type: 'string' } } },
  },
};

function problemsOf(input: unknown): readonly string[] {
  try {
    validateSpec(schema, input, 'specs/dev.yaml');
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
  return [];
}

t.test('fills in defaults and keeps given values', async (t) => {
  const input = { ami_id: 'ami-0123456789abcdef0', min_capacity: 3 };
  t.same(validateSpec(schema, input), { ...input, instance_type: 't4g.small', origins: [] });
  t.same(input, { ami_id: 'ami-0123456789abcdef0', min_capacity: 3 }, 'the input is not mutated');
});

t.test('a wrong enum value names the field and the allowed values', async (t) => {
  t.same(problemsOf({ ami_id: 'ami-01234567', instance_type: 'm5.huge' }), [
    'spec.instance_type: must be one of "t4g.small", "t4g.medium"; got "m5.huge"',
  ]);
});

t.test('a missing required field is named', async (t) => {
  t.same(problemsOf({}), ['spec.ami_id: is required']);
});

t.test('unknown fields, wrong types and failed patterns are all reported at once', async (t) => {
  t.same(problemsOf({ ami_id: 'image', min_capacity: 'two', instnace_type: 'x', nested: { b: 1 } }), [
    'spec.instnace_type: is not a known field',
    'spec.ami_id: must match pattern "^ami-[0-9a-f]{8,17}$"; got "image"',
    'spec.min_capacity: must be of type integer; got "two"',
    'spec.nested.b: is not a known field',
  ]);
});

t.test('the error message lists every problem under the spec file name', async (t) => {
  t.throws(() => validateSpec(schema, { ami_id: 1 }, 'specs/dev.yaml'), {
    name: 'SpecValidationError',
    message: /^specs\/dev\.yaml does not match its schema:\n {2}- spec\.ami_id: must be of type string; got 1$/,
  });
});
