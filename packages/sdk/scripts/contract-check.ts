/**
 * The breaking-change gate (`npm run contract:check` at the root, and a CI step).
 *
 *   node packages/sdk/scripts/contract-check.ts [--markdown] [--root <workspace>]
 *
 * Compares packages/api/openapi.json with packages/sdk/contract/released.json, the contract of the
 * last release (the release script writes it), and fails when a change would break a client of that
 * release unless the pending release is a major one:
 *   - a version plan for @taskboard/sdk in .nx/version-plans says `major` (what a pull request with
 *     a breaking change adds: `npx nx release plan major --projects=@taskboard/sdk --onlyTouched=false -m "..."`), or
 *   - packages/sdk/package.json already holds a version that `^<released version>` does not match
 *     (what the release step sees after `nx release version` consumed the plan).
 * Offline and git-free, so it runs the same in `npm test` on a fresh clone and in CI.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffContracts, type ContractChange, type ContractDocument } from './contract-diff.ts';

export const workspaceRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const RELEASED_CONTRACT = 'packages/sdk/contract/released.json';
export const CURRENT_CONTRACT = 'packages/api/openapi.json';
export const SDK_PACKAGE = '@taskboard/sdk';

export type Bump = 'major' | 'minor' | 'patch' | 'premajor' | 'preminor' | 'prepatch' | 'prerelease';

const ALIASES: Record<string, Bump> = { 'feat!': 'major', 'fix!': 'major', feat: 'minor', fix: 'patch' };

/**
 * The bumps pending for the SDK in Nx version plans (.nx/version-plans/*.md front matter, the
 * format `nx release plan` writes: `'@taskboard/sdk': major`, with Nx's feat!/fix!/feat/fix aliases).
 */
export function pendingBumps(root: string = workspaceRoot): Bump[] {
  const dir = join(root, '.nx', 'version-plans');
  if (!existsSync(dir)) return [];
  const bumps: Bump[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? '';
    for (const line of front.split(/\r?\n/)) {
      const m = /^\s*(['"]?)([^'":]+)\1\s*:\s*(['"]?)([^'"\s]+)\3\s*$/.exec(line);
      if (!m || m[2] !== SDK_PACKAGE) continue;
      const value = m[4] ?? '';
      bumps.push(ALIASES[value] ?? (value as Bump));
    }
  }
  return bumps;
}

/** Whether a client that depends on `^released` would be offered `version` (npm's caret rule). */
export function caretCompatible(released: string, version: string): boolean {
  const parse = (v: string) => {
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
    if (!m) throw new Error(`not a semantic version: ${v}`);
    return [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  };
  const [ma, mi, pa] = parse(released);
  const [mb, mib, pb] = parse(version);
  if (ma !== mb) return false;
  if (ma > 0) return true;
  if (mi !== mib) return false;
  return mi > 0 || pa === pb;
}

export interface CheckInput {
  readonly released: ContractDocument;
  readonly current: ContractDocument;
  /** packages/sdk/package.json `version`. */
  readonly sdkVersion: string;
  readonly bumps: readonly Bump[];
}

export interface CheckResult {
  readonly changes: readonly ContractChange[];
  readonly breaking: readonly ContractChange[];
  /** Why breaking changes are allowed, or undefined when they are not. */
  readonly majorRelease: string | undefined;
  readonly ok: boolean;
}

export function checkContract(input: CheckInput): CheckResult {
  const changes = diffContracts(input.released, input.current);
  const breaking = changes.filter((c) => c.breaking);
  const releasedVersion = input.released.info?.version ?? '0.0.0';
  let majorRelease: string | undefined;
  if (input.bumps.some((b) => b === 'major' || b === 'premajor')) {
    majorRelease = `a version plan asks for a major release of ${SDK_PACKAGE}`;
  } else if (!caretCompatible(releasedVersion, input.sdkVersion)) {
    majorRelease = `${SDK_PACKAGE} ${input.sdkVersion} is a major release after ${releasedVersion}`;
  }
  return { changes, breaking, majorRelease, ok: breaking.length === 0 || majorRelease !== undefined };
}

/** The contract changes in words, for the changelog and the release notes. */
export function renderMarkdown(changes: readonly ContractChange[]): string {
  if (changes.length === 0) return '';
  const line = (c: ContractChange) => `- \`${c.operation}\`: ${c.message}`;
  const breaking = changes.filter((c) => c.breaking);
  const other = changes.filter((c) => !c.breaking);
  const parts = ['### API contract changes', ''];
  if (breaking.length > 0) parts.push('**Breaking**', '', ...breaking.map(line), '');
  if (other.length > 0) parts.push('**Compatible**', '', ...other.map(line), '');
  return parts.join('\n');
}

export function renderReport(result: CheckResult, releasedVersion: string): string {
  const lines = [`API contract vs. released ${releasedVersion} (${RELEASED_CONTRACT}):`];
  if (result.changes.length === 0) lines.push('  no changes');
  for (const c of result.changes)
    lines.push(`  ${c.breaking ? 'BREAKING  ' : 'compatible'} ${c.operation}: ${c.message}`);
  if (result.breaking.length > 0 && result.majorRelease) {
    lines.push(`${result.breaking.length} breaking change(s), allowed: ${result.majorRelease}.`);
  } else if (!result.ok) {
    lines.push(
      `${result.breaking.length} breaking change(s) for clients of ${SDK_PACKAGE} ${releasedVersion}.`,
      'Make the change compatible, or declare a major release in this change:',
      `  npx nx release plan major --projects=${SDK_PACKAGE} --onlyTouched=false -m "<what breaks and how to migrate>"`,
    );
  }
  return lines.join('\n');
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function runCheck(root: string = workspaceRoot): { result: CheckResult; releasedVersion: string } {
  const released = readJson<ContractDocument>(join(root, RELEASED_CONTRACT));
  const current = readJson<ContractDocument>(join(root, CURRENT_CONTRACT));
  const { version } = readJson<{ version: string }>(join(root, 'packages/sdk/package.json'));
  const result = checkContract({ released, current, sdkVersion: version, bumps: pendingBumps(root) });
  return { result, releasedVersion: released.info?.version ?? 'unknown' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rootAt = process.argv.indexOf('--root');
  const { result, releasedVersion } = runCheck(rootAt > 0 ? resolve(process.argv[rootAt + 1] ?? '.') : workspaceRoot);
  if (process.argv.includes('--markdown')) process.stdout.write(renderMarkdown(result.changes));
  else console.log(renderReport(result, releasedVersion));
  process.exitCode = result.ok ? 0 : 1;
}
