import pg from 'pg';

const DATE_OID = 1082;
const TIMESTAMPTZ_OID = 1184;

/** pg's own timestamptz parser (postgres-date): every shape PostgreSQL writes, BC and infinity included. */
const parseAnyTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number | null;

/** The value of the decimal digits of `text` in [from, to), or -1 if one is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const MINUS = 45;
const PLUS = 43;
const COLON = 58;
const DOT = 46;
const SPACE = 32;

/**
 * A timestamptz as PostgreSQL writes it in text (`2026-12-02 05:44:48.123+00`, `…48+05:30`), read
 * with character arithmetic: the same Date as pg's parser (postgres-date), which runs three regular
 * expressions per value and showed as 2.7 % of a get-task's JavaScript samples (two per task, two per
 * row of a page; docs/benchmarks.md). Anything else — a 5-digit or BC year, infinity, an offset with
 * seconds, years before 1000 (which Date.UTC would read as 19xx) — goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== MINUS ||
    text.charCodeAt(7) !== MINUS ||
    text.charCodeAt(10) !== SPACE ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return parseAnyTimestamptz(text);
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === DOT) {
    at++;
    // Milliseconds are the first three fraction digits; Date drops the rest, as Date.UTC does.
    let scale = 100;
    while (at < length) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
      at++;
    }
    ms = Math.floor(ms);
  }
  const sign = text.charCodeAt(at);
  const offsetLength = length - at;
  if (
    (year | month | day | hour | minute | second) < 0 ||
    year < 1000 ||
    (sign !== PLUS && sign !== MINUS) ||
    (offsetLength !== 3 && !(offsetLength === 6 && text.charCodeAt(at + 3) === COLON))
  ) {
    return parseAnyTimestamptz(text);
  }
  const offsetHours = digitsAt(text, at + 1, at + 3);
  const offsetMinutes = offsetLength === 6 ? digitsAt(text, at + 4, at + 6) : 0;
  if ((offsetHours | offsetMinutes) < 0) return parseAnyTimestamptz(text);
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === MINUS ? -1 : 1);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs);
}

/** A DATE as the Prisma client returns it: a Date at UTC midnight (pg's would take local midnight). */
export function parseDateAtUtcMidnight(text: string): Date {
  return new Date(`${text}T00:00:00.000Z`);
}

/**
 * Row parsers of the app pool's connections (CredentialPool): rows as the Prisma client returned
 * them. DATE and timestamptz as above; integers, text and the rest are pg's defaults. Connections
 * carry these, rather than each hot statement passing them: a query given as a config object is
 * copied property descriptor by property descriptor (pg's `cloneQueryConfig`, ≈ 1 % of a get-task's
 * CPU in a profile), one given as text and values is not. Prisma's adapter passes its own parsers
 * with each of its queries.
 */
export const HOT_SQL_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === 'text') {
      if (oid === TIMESTAMPTZ_OID) return parseTimestamptz;
      if (oid === DATE_OID) return parseDateAtUtcMidnight;
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
