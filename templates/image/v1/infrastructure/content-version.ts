import { createHash } from 'node:crypto';

/** Image Builder caps each node of a semantic version at 2^30 - 1; 7 hex digits (28 bits) stay below it. */
const HEX_DIGITS = 7;

/**
 * `1.0.<n>`, n from the sha256 of `definition` (JSON). Image Builder components and recipes are
 * immutable: CloudFormation replaces them on any change and creating the replacement under the same
 * name and version fails. A version that follows the content makes every change a new version, and
 * the same content (a no-op deploy) the same one.
 */
export function contentVersion(definition: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  return `1.0.${Number.parseInt(digest.slice(0, HEX_DIGITS), 16)}`;
}
