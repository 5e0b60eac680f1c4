/** The variants of `startup-compare.ts`, parsed from its arguments. */
export interface Variant {
  readonly name: string;
  readonly entry: string;
  readonly env: Record<string, string>;
}

/** `name=entry.js [VAR=value ...]` → a variant; throws on anything else. */
export function parseVariant(spec: string): Variant {
  const [head, ...assignments] = spec.trim().split(/\s+/);
  const match = /^([\w.-]+)=(\S+\.js)$/.exec(head ?? '');
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`expected name=entry.js, got "${spec}"`);
  const env: Record<string, string> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new Error(`expected VAR=value, got "${assignment}" in "${spec}"`);
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return { name: match[1], entry: match[2], env };
}
