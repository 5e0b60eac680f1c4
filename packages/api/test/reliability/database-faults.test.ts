import t from 'tap';
import { assertOutageHeld, runOutageDrill } from './helpers/database-outage.ts';

t.test('PostgreSQL stopped and restarted under load: fail fast, recover, lose nothing', async (t) => {
  const figures = await runOutageDrill(t, { clients: 4, outages: 1, outageMs: 2_000, betweenMs: 1_000 });
  t.comment(`database outage: ${JSON.stringify(figures)}`);
  assertOutageHeld(t, figures, 1);
});
