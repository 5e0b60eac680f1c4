import t from 'tap';
import { assertOutageHeld, runOutageDrill } from '../helpers/database-outage.ts';

// npm run test:soak: more clients and five outages in a row.
t.test('soak: repeated PostgreSQL outages under load', async (t) => {
  const figures = await runOutageDrill(t, { clients: 12, outages: 5, outageMs: 3_000, betweenMs: 3_000 });
  t.comment(`database outages (soak): ${JSON.stringify(figures)}`);
  assertOutageHeld(t, figures, 5);
});
