import t from 'tap';
import { LIMIT, measure } from '../scripts/size.ts';

t.test('runtime stays within 5 kB min+gzip', async (t) => {
  const { gzipped, minified } = await measure();
  t.ok(gzipped <= LIMIT, `${gzipped} B min+gzip (${minified} B minified) ≤ ${LIMIT} B`);
});
