import { HttpProblem } from './problem.ts';

/**
 * Keyset cursors: the id of the last row of a page, opaque to clients. Ids are UUIDv7,
 * so "id greater than the cursor" continues in creation order, and rows inserted between
 * two page requests appear at the end instead of shifting pages (no duplicates, no gaps).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');
}

/** Returns the key the next page starts after; `pattern` is what a valid key looks like. */
export function decodeCursor(cursor: string | undefined, pattern: RegExp = UUID): string | undefined {
  if (cursor === undefined) return undefined;
  const invalid = new HttpProblem('invalidCursor', 'cursor is not one this API returned', {
    errors: [{ path: '/query/cursor', message: 'must be a nextCursor value from a previous page' }],
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid;
  const after = (parsed as { after?: unknown }).after;
  if (typeof after !== 'string' || !pattern.test(after)) throw invalid;
  return after;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Builds a page from `limit + 1` rows: the extra row only says that another page exists. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => string, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
