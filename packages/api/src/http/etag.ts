import { HttpProblem } from './problem.ts';

/** Strong entity tag of a versioned row: the version counter, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Parses If-Match into the version it requires: undefined when absent or `*`
 * (any current version). A list of tags or a weak tag cannot match a strong
 * comparison on our single-version resources, so it is a 412.
 */
export function requiredVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const value = ifMatch.trim();
  if (value === '*') return undefined;
  const match = /^"(\d{1,9})"$/.exec(value);
  if (match?.[1] === undefined) {
    throw new HttpProblem('preconditionFailed', 'If-Match does not match the current version of the resource');
  }
  return Number(match[1]);
}

export function assertVersion(required: number | undefined, current: number): void {
  if (required !== undefined && required !== current) {
    throw new HttpProblem(
      'preconditionFailed',
      `If-Match ${etagOf(required)} does not match the current version ${etagOf(current)}`,
    );
  }
}
