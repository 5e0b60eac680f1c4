import t from 'tap';
import { runOutageDrill } from '../helpers/database-outage.ts';

// npm run test:soak: more clients and five outages in a row.
t.test('soak: repeated PostgreSQL outages under load', async (t) => {
  const figures = await runOutageDrill(t, { clients: 12, outages: 5, outageMs: 3_000, betweenMs: 3_000 });
  t.comment(`database outages (soak): ${JSON.stringify(figures)}`);
  t.same(
    Object.keys(figures.statusesDuringOutage).filter((status) => status !== '500'),
    ['503'],
    'failures during the outage are 503 (apart from finding 2 below)',
  );
  t.same(figures.unknownServerErrors, [], 'every 500 has the known cause of finding 2');
  t.test('no 500 at all during the outage', async (t) => t.equal(figures.statusesDuringOutage['500'] ?? 0, 0));
  t.ok(figures.maxFailureLatencyMs < 6_000, `failures are fast (slowest ${figures.maxFailureLatencyMs} ms)`);
  t.equal(figures.recoveryMs.length, 5, 'recovered after each outage by itself');
  t.ok(Math.max(...figures.recoveryMs) < 10_000, `recovery ${figures.recoveryMs.join(', ')} ms`);
  t.equal(figures.lost, 0, 'no acknowledged write is lost');
  t.equal(figures.duplicated, 0, 'no write is applied twice');
  t.equal(figures.unacknowledgedRows, 0, 'no row that was not acknowledged');
});
