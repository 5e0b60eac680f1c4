import type { JsonSchema } from './proton-schema.ts';

/**
 * Lists the changes from `previous` to `next` that would break a spec written for `previous`.
 * Proton minor versions must be backward compatible: every spec valid for 1.n must stay valid for 1.n+1.
 * Checked rules (recursively through object properties and array items):
 * - a property is removed (old specs may set it);
 * - a property becomes required without a default (old specs may omit it);
 * - an enum loses values, a type changes, or a numeric/length/pattern bound narrows;
 * - a property's default changes (the same spec would deploy something different).
 */
export function findBreakingChanges(previous: JsonSchema, next: JsonSchema, path = 'spec'): string[] {
  const problems: string[] = [];
  if (JSON.stringify(typesOf(previous)) !== JSON.stringify(typesOf(next))) {
    problems.push(`${path}: type changed from ${JSON.stringify(previous.type)} to ${JSON.stringify(next.type)}`);
  }
  if (previous.enum || next.enum) {
    const allowed = new Set((next.enum ?? []).map((value) => JSON.stringify(value)));
    const removed = next.enum ? (previous.enum ?? []).filter((value) => !allowed.has(JSON.stringify(value))) : [];
    if (!previous.enum && next.enum) problems.push(`${path}: enum added, which narrows the accepted values`);
    if (removed.length > 0)
      problems.push(`${path}: enum no longer allows ${removed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  for (const keyword of ['minimum', 'minLength', 'minItems'] as const) {
    const before = previous[keyword];
    const after = next[keyword];
    if (after !== undefined && (before === undefined || after > before)) {
      problems.push(`${path}: ${keyword} narrowed from ${String(before)} to ${after}`);
    }
  }
  for (const keyword of ['maximum', 'maxLength', 'maxItems'] as const) {
    const before = previous[keyword];
    const after = next[keyword];
    if (after !== undefined && (before === undefined || after < before)) {
      problems.push(`${path}: ${keyword} narrowed from ${String(before)} to ${after}`);
    }
  }
  if (next.pattern !== undefined && next.pattern !== previous.pattern) {
    problems.push(
      `${path}: pattern changed from ${JSON.stringify(previous.pattern)} to ${JSON.stringify(next.pattern)}`,
    );
  }
  if (JSON.stringify(previous.default) !== JSON.stringify(next.default)) {
    problems.push(
      `${path}: default changed from ${JSON.stringify(previous.default)} to ${JSON.stringify(next.default)}`,
    );
  }
  const previousProperties = previous.properties ?? {};
  const nextProperties = next.properties ?? {};
  for (const [name, property] of Object.entries(previousProperties)) {
    const successor = nextProperties[name];
    if (!successor) problems.push(`${path}.${name}: property removed`);
    else problems.push(...findBreakingChanges(property, successor, `${path}.${name}`));
  }
  const wasRequired = new Set(previous.required ?? []);
  for (const name of next.required ?? []) {
    const hasDefault = nextProperties[name]?.default !== undefined;
    if (!wasRequired.has(name) && !hasDefault) problems.push(`${path}.${name}: newly required without a default`);
  }
  if (previous.items && next.items) problems.push(...findBreakingChanges(previous.items, next.items, `${path}[]`));
  return problems;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return (Array.isArray(schema.type) ? [...schema.type] : [schema.type as string]).sort();
}
