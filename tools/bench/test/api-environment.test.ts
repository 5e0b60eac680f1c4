import t from 'tap';
import { apiEnvironment } from '../src/api-environment.ts';

const stack = {
  databaseUrl: 'postgres://bench@127.0.0.1:5432/taskboard_bench',
  issuer: 'http://127.0.0.1:9229/pool',
  clientId: 'client',
};

t.test(
  'an api process of the bench runs in production mode against the stack, one worker, on its own port',
  async (t) => {
    const env = apiEnvironment(
      stack,
      41234,
      { nodeOptions: '--max-semi-space-size=16' },
      { PATH: '/usr/bin', UNSET: undefined },
    );
    t.match(env, {
      PATH: '/usr/bin',
      NODE_ENV: 'production',
      NODE_OPTIONS: '--max-semi-space-size=16',
      DATABASE_URL: stack.databaseUrl,
      DATABASE_POOL_MAX: '10',
      AUTH_ISSUERS: stack.issuer,
      AUTH_CLIENT_IDS: 'client',
      HOST: '127.0.0.1',
      PORT: '41234',
      LOG_LEVEL: 'info',
      API_WORKERS: '1',
      RATE_LIMIT_MAX: '1000000',
      DRAIN_WINDOW_MS: '0',
    });
    t.notOk('UNSET' in env, 'an unset inherited variable is left out, not passed as "undefined"');
  },
);

t.test('the bench settings override the inherited environment', async (t) => {
  const env = apiEnvironment(
    stack,
    1,
    { nodeOptions: '', poolMax: 4, logLevel: 'warn' },
    { NODE_ENV: 'development', LOG_LEVEL: 'debug', API_WORKERS: '8' },
  );
  t.match(env, { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '4', API_WORKERS: '1' });
});
