/**
 * The row parsers of the app pool's connections (src/db/row-parsers.ts): a timestamptz read by the
 * fast parser is the same Date pg's own parser (postgres-date) gives, for what PostgreSQL really
 * writes in several session time zones, and for every shape the fast path hands back to pg's parser.
 */
import pg from 'pg';
import t from 'tap';
import { HOT_SQL_TYPES, parseTimestamptz } from '../src/db/row-parsers.ts';
import { createTestDatabase } from './helpers/stack.ts';

const pgParse = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;

/** Same instant (or the same non-Date answer: a number for infinity, null for what is not a timestamp). */
const same = (a: Date | number | null, b: Date | number | null): boolean =>
  Object.is(a instanceof Date ? a.getTime() : a, b instanceof Date ? b.getTime() : b);

t.test('every millisecond, fraction length and offset form reads as pg reads it', (t) => {
  const offsets = ['+00', '-05', '+05:30', '-09:30', '+14', '-12', '+00:00'];
  let compared = 0;
  const differing: string[] = [];
  for (let ms = 0; ms < 1000; ms++) {
    const three = String(ms).padStart(3, '0');
    // PostgreSQL drops trailing zeros (".5", ".05"); a timestamptz(4..6) writes more digits, which Date drops.
    for (const fraction of [three.replace(/0+$/, ''), three.slice(0, 2), `${three}456`, `${three}9`]) {
      for (const offset of offsets) {
        const text = `2026-12-02 05:44:48${fraction === '' ? '' : `.${fraction}`}${offset}`;
        compared++;
        if (!same(parseTimestamptz(text), pgParse(text))) differing.push(text);
      }
    }
  }
  t.same(differing.slice(0, 5), [], `${compared} values compared`);
  t.end();
});

t.test('the shapes the fast path does not read go to pg parser, with its result', (t) => {
  for (const text of [
    'infinity',
    '-infinity',
    '0099-06-01 12:00:00+00', // Date.UTC would read year 99 as 1999
    '0999-06-01 12:00:00+00',
    '2026-01-01 00:00:00+00 BC',
    '12026-01-01 00:00:00+00', // five-digit year
    '1900-01-01 00:00:00+00:19:32', // an offset with seconds (Amsterdam's local mean time)
    '2026-12-02T05:44:48+00', // not PostgreSQL's text form: still what pg's parser says
  ]) {
    const fast = parseTimestamptz(text);
    t.ok(same(fast, pgParse(text)), text);
  }
  t.end();
});

t.test('what PostgreSQL writes in other session time zones reads as the same instant', async (t) => {
  const client = new pg.Client({
    connectionString: await createTestDatabase(t, { migrated: false }),
    types: HOT_SQL_TYPES,
  });
  await client.connect();
  t.teardown(() => client.end());
  const instants = [
    '2026-12-02T05:44:48.107Z',
    '2026-12-02T05:44:48.1Z',
    '2026-12-02T05:44:48Z',
    '2024-02-29T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '1900-01-01T12:00:00Z', // before standard time: local mean time offsets, with seconds
  ];
  for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Kiritimati']) {
    await client.query(`SET TimeZone = '${zone}'`);
    for (const instant of instants) {
      const { rows } = await client.query<{ at: Date; text: string }>(
        `SELECT $1::timestamptz(3) AS "at", $1::timestamptz(3)::text AS "text"`,
        [instant],
      );
      const row = rows[0];
      t.equal(row?.at.toISOString(), new Date(instant).toISOString(), `${zone}: ${row?.text}`);
    }
  }
  const [special] = (
    await client.query<{ inf: number; day: Date }>(
      `SELECT 'infinity'::timestamptz AS "inf", '2026-12-01'::date AS "day"`,
    )
  ).rows;
  t.equal(special?.inf, Infinity, 'infinity as pg gives it');
  t.equal(special?.day.toISOString(), '2026-12-01T00:00:00.000Z', 'a DATE is UTC midnight');
});
