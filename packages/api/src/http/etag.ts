import { HttpProblem } from './problem.ts';

/** Strong entity tag of a versioned row: the version counter, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** One entity-tag of an If-Match list (RFC 9110 §8.8.3): optional W/, quoted opaque value, then a comma or the end. */
const ENTITY_TAG = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
/** How etagOf writes a version; "03" is another tag under strong comparison. */
const VERSION = /^(?:0|[1-9]\d{0,8})$/;

/**
 * Parses If-Match into the versions it accepts: undefined when absent or `*` (any current version).
 * If-Match uses strong comparison, so weak tags and tags we never issue accept nothing; a list that
 * accepts nothing, or a header that is not a list of entity-tags, is a 412.
 */
export function requiredVersions(ifMatch: string | undefined): readonly number[] | undefined {
  if (ifMatch === undefined) return undefined;
  const value = ifMatch.trim();
  if (value === '*') return undefined;
  const versions: number[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const start = ENTITY_TAG.lastIndex;
    const match = ENTITY_TAG.exec(value);
    if (match === null || ENTITY_TAG.lastIndex === start) {
      throw new HttpProblem('preconditionFailed', 'If-Match is not a list of entity tags');
    }
    const [, weak, opaque = ''] = match;
    if (weak === undefined && VERSION.test(opaque)) versions.push(Number(opaque));
  }
  if (versions.length === 0) {
    throw new HttpProblem('preconditionFailed', 'If-Match does not match the current version of the resource');
  }
  return versions;
}

/**
 * The version a conditional write must find in its WHERE clause: the current one when If-Match
 * lists it, none when there was no condition; otherwise a 412.
 */
export function matchedVersion(required: readonly number[] | undefined, current: number): number | undefined {
  if (required === undefined) return undefined;
  if (required.includes(current)) return current;
  throw new HttpProblem(
    'preconditionFailed',
    `If-Match ${required.map(etagOf).join(', ')} does not match the current version ${etagOf(current)}`,
  );
}
