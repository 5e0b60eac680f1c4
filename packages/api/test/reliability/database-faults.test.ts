import t from 'tap';
import { runOutageDrill } from './helpers/database-outage.ts';

t.test('PostgreSQL stopped and restarted under load: fail fast, recover, lose nothing', async (t) => {
  const figures = await runOutageDrill(t, { clients: 4, outages: 1, outageMs: 2_000, betweenMs: 1_000 });
  t.comment(`database outage: ${JSON.stringify(figures)}`);
  t.ok(figures.failedDuringOutage > 0, 'the outage was felt (requests failed while it lasted)');
  t.same(
    Object.keys(figures.statusesDuringOutage).filter((status) => status !== '500'),
    ['503'],
    'failures during the outage are 503 (apart from finding 2 below)',
  );
  t.same(figures.unknownServerErrors, [], 'every 500 has the known cause of finding 2');
  t.test('no 500 at all during the outage', async (t) => t.equal(figures.statusesDuringOutage['500'] ?? 0, 0));
  t.ok(figures.maxFailureLatencyMs < 6_000, `failures are fast (slowest ${figures.maxFailureLatencyMs} ms)`);
  t.equal(figures.recoveryMs.length, 1, 'the service recovered by itself');
  t.ok(Math.max(...figures.recoveryMs) < 10_000, `recovered ${figures.recoveryMs.join(', ')} ms after restart`);
  t.equal(figures.lost, 0, 'no acknowledged write is lost');
  t.equal(figures.duplicated, 0, 'no write is applied twice');
  t.equal(figures.unacknowledgedRows, 0, 'no row exists that was not acknowledged');
});
