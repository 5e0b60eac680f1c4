import t from 'tap';
import { runHostileInput } from '../helpers/hostile-input-run.ts';

// npm run test:soak: ten times the npm test run, on another seed.
t.test('soak: hostile input generated from openapi.json', (t) =>
  runHostileInput(t, { runsPerOperation: 1_000, seed: 7_031_977 }),
);
