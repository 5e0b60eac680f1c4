import t from 'tap';
import { findBreakingChanges, type JsonSchema } from '../src/index.ts';

const base: JsonSchema = {
  type: 'object',
  required: ['ami_id'],
  properties: {
    ami_id: { type: 'string', pattern: '^ami-[0-9a-f]+$' },
    instance_type: { type: 'string', enum: ['t4g.small', 't4g.medium'], default: 't4g.small' },
    min_capacity: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
    origins: { type: 'array', items: { type: 'string', maxLength: 200 }, default: [] },
  },
};

function withChange(
  change: (schema: { properties: Record<string, JsonSchema>; required: string[] }) => void,
): JsonSchema {
  const copy = structuredClone(base) as { properties: Record<string, JsonSchema>; required: string[] };
  change(copy);
  return copy as JsonSchema;
}

t.test('an identical schema is compatible', async (t) => {
  t.same(findBreakingChanges(base, structuredClone(base)), []);
});

t.test('adding an optional property or widening an enum is compatible', async (t) => {
  const next = withChange((s) => {
    s.properties.log_level = { type: 'string', default: 'info' };
    s.properties.instance_type = {
      type: 'string',
      enum: ['t4g.small', 't4g.medium', 't4g.large'],
      default: 't4g.small',
    };
    s.properties.min_capacity = { type: 'integer', minimum: 0, maximum: 20, default: 2 };
  });
  t.same(findBreakingChanges(base, next), []);
});

t.test('a removed property is caught', async (t) => {
  const next = withChange((s) => delete s.properties.min_capacity);
  t.same(findBreakingChanges(base, next), ['spec.min_capacity: property removed']);
});

t.test('a new required field without a default is caught', async (t) => {
  const next = withChange((s) => {
    s.properties.key_name = { type: 'string' };
    s.required.push('key_name');
  });
  t.same(findBreakingChanges(base, next), ['spec.key_name: newly required without a default']);
});

t.test('a new required field with a default is compatible', async (t) => {
  const next = withChange((s) => {
    s.properties.key_name = { type: 'string', default: 'x' };
    s.required.push('key_name');
  });
  t.same(findBreakingChanges(base, next), []);
});

t.test('a narrowed enum is caught', async (t) => {
  const next = withChange((s) => {
    s.properties.instance_type = { type: 'string', enum: ['t4g.small'], default: 't4g.small' };
  });
  t.same(findBreakingChanges(base, next), ['spec.instance_type: enum no longer allows "t4g.medium"']);
});

t.test('narrowed bounds, changed types, patterns and defaults are caught, also inside array items', async (t) => {
  const next = withChange((s) => {
    s.properties.min_capacity = { type: 'number', minimum: 2, maximum: 5, default: 3 };
    s.properties.ami_id = { type: 'string', pattern: '^ami-[0-9a-f]{17}$' };
    s.properties.origins = { type: 'array', items: { type: 'string', maxLength: 100 }, default: [] };
  });
  t.same(findBreakingChanges(base, next).sort(), [
    'spec.ami_id: pattern changed from "^ami-[0-9a-f]+$" to "^ami-[0-9a-f]{17}$"',
    'spec.min_capacity: default changed from 2 to 3',
    'spec.min_capacity: maximum narrowed from 10 to 5',
    'spec.min_capacity: minimum narrowed from 1 to 2',
    'spec.min_capacity: type changed from "integer" to "number"',
    'spec.origins[]: maxLength narrowed from 200 to 100',
  ]);
});

t.test('adding an enum to a free-form property is caught', async (t) => {
  const next = withChange((s) => {
    s.properties.ami_id = { type: 'string', pattern: '^ami-[0-9a-f]+$', enum: ['ami-1'] };
  });
  t.same(findBreakingChanges(base, next), ['spec.ami_id: enum added, which narrows the accepted values']);
});
