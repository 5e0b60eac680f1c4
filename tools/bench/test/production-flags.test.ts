import t from 'tap';
import { nodeOptionsFromUnit, productionNodeOptions } from '../src/production-flags.ts';

t.test('NODE_OPTIONS comes from the unit, the last assignment winning, quoted or not', async (t) => {
  t.equal(nodeOptionsFromUnit('[Service]\nEnvironment=NODE_ENV=production\n'), '');
  t.equal(nodeOptionsFromUnit('Environment=NODE_OPTIONS=--max-semi-space-size=16\n'), '--max-semi-space-size=16');
  t.equal(
    nodeOptionsFromUnit('Environment="NODE_OPTIONS=--max-semi-space-size=16 --max-old-space-size=512"\n'),
    '--max-semi-space-size=16 --max-old-space-size=512',
  );
  t.equal(nodeOptionsFromUnit('Environment=NODE_OPTIONS=--a\nEnvironment=NODE_OPTIONS=--b\n'), '--b');
  t.equal(nodeOptionsFromUnit('# Environment=NODE_OPTIONS=--commented\n'), '');
});

t.test('the production unit caps the young generation, and the bench runs the api with it', async (t) => {
  t.match(await productionNodeOptions(), /--max-semi-space-size=16\b/);
});
