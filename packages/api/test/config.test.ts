import t from 'tap';
import { ConfigError, loadServerConfig } from '../src/config.ts';

const valid = {
  DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
  AUTH_ISSUERS: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_CLIENT_IDS: 'client1',
};

t.test('defaults', async (t) => {
  const config = loadServerConfig(valid);
  t.equal(config.port, 3000);
  t.same(config.auth.tokenUse, ['access']);
  t.same(config.corsOrigins, []);
  t.equal(config.databasePoolMax, 10);
});

t.test('a missing or malformed variable is named, a secret is never echoed', async (t) => {
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ ...valid, DATABASE_URL: undefined }, /DATABASE_URL is required/],
    [{ ...valid, DATABASE_URL: 'not a url with secret-password' }, /^DATABASE_URL is not a valid URL$/],
    [{ ...valid, DATABASE_URL: 'mysql://u:p@h/d' }, /DATABASE_URL must start with postgresql/],
    [{ ...valid, AUTH_ISSUERS: '' }, /AUTH_ISSUERS is required/],
    [{ ...valid, AUTH_ISSUERS: 'ftp://x' }, /AUTH_ISSUERS must hold http/],
    [{ ...valid, AUTH_CLIENT_IDS: undefined }, /AUTH_CLIENT_IDS is required/],
    [{ ...valid, AUTH_TOKEN_USE: 'refresh' }, /AUTH_TOKEN_USE/],
    [{ ...valid, PORT: 'eighty' }, /PORT must be a whole number/],
    [{ ...valid, DATABASE_POOL_MAX: '0' }, /DATABASE_POOL_MAX must be between 1 and 500/],
    [{ ...valid, DOCS_ENABLED: 'maybe' }, /DOCS_ENABLED must be true or false/],
    [{ ...valid, LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadServerConfig(env), ConfigError);
    t.throws(() => loadServerConfig(env), { message });
  }
  t.throws(() => loadServerConfig({ ...valid, DATABASE_URL: 'not a url with secret-password' }), {
    message: /^(?!.*secret-password)/,
  });
});
