/** The files a release rewrites besides what nx release writes (used by release.ts). */

export const CONTRACT_VERSION_FILE = 'packages/api/src/contract-version.ts';
export const CHANGELOG = 'packages/sdk/CHANGELOG.md';

/** contract-version.ts with `version` in place of the current one. */
export function withContractVersion(source: string, version: string): string {
  const next = source.replace(
    /export const CONTRACT_VERSION = '[^']*';/,
    `export const CONTRACT_VERSION = '${version}';`,
  );
  if (next === source && !source.includes(`'${version}'`))
    throw new Error(`no CONTRACT_VERSION line in ${CONTRACT_VERSION_FILE}`);
  return next;
}

/** The changelog with the contract section placed under the heading of `version`'s entry. */
export function withContractChanges(changelog: string, version: string, section: string): string {
  if (!section) return changelog;
  const heading = new RegExp(`^#{1,2} ${version.replace(/\./g, '\\.')}\\b.*$`, 'm').exec(changelog);
  if (!heading) throw new Error(`${CHANGELOG} has no "${version}" entry`);
  const at = heading.index + heading[0].length;
  return `${changelog.slice(0, at)}\n\n${section.trimEnd()}${changelog.slice(at)}`;
}
