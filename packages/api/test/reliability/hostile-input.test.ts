import t from 'tap';
import { runHostileInput } from './helpers/hostile-input-run.ts';

// npm test: a bounded, reproducible run; test:soak runs more (soak/hostile-input.soak.ts).
t.test('hostile input generated from openapi.json: never a 5xx, only 2xx writes persist', (t) =>
  runHostileInput(t, { runsPerOperation: 120, seed: 20_261_126 }),
);
