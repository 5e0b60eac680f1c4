// Local mode (CORS_ALLOW_LOOPBACK, which `npm start` sets): a browser app on any loopback port may call the
// api, so a Vite dev server on 5174 or a preview on 127.0.0.1:4173 works without configuration. Off by
// default, refused in production, and an explicit CORS_ORIGINS is the whole allow-list when it is off.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadAppConfig } from '../src/config.ts';
import { buildTestApp } from './helpers/stack.ts';

const required = {
  DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
  AUTH_ISSUERS: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  AUTH_CLIENT_IDS: 'client1',
};

/** An app whose CORS settings come from these variables, through the real config loader. */
async function appWith(t: Parameters<typeof buildTestApp>[0], env: Record<string, string>): Promise<FastifyInstance> {
  const { corsOrigins, corsAllowLoopback } = loadAppConfig({ ...required, ...env });
  return await buildTestApp(t, { corsOrigins, corsAllowLoopback });
}

/** The origin the api allowed a browser's preflight from, or undefined when it refused. */
async function preflight(app: FastifyInstance, origin: string): Promise<string | undefined> {
  const response = await app.inject({
    method: 'OPTIONS',
    url: '/v1/projects',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });
  const allowed = response.headers['access-control-allow-origin'];
  return typeof allowed === 'string' ? allowed : undefined;
}

const loopback = [
  'http://localhost:5173',
  'http://localhost:5174',
  'http://127.0.0.1:4173',
  'http://127.0.0.1:8080',
  'http://localhost',
  'http://[::1]:3001',
];
const neverLoopback = [
  'http://localhost.evil.example',
  'http://localhost:5174.evil.example',
  'http://127.0.0.1.nip.io:4173',
  'https://localhost:5173', // not what a dev server serves by default; list it in CORS_ORIGINS if you use it
  'http://192.168.1.20:5173',
  'null',
];

t.test('local mode allows every loopback origin, on any port, on both hosts', async (t) => {
  const app = await appWith(t, { CORS_ALLOW_LOOPBACK: 'true' });
  for (const origin of loopback) t.equal(await preflight(app, origin), origin, `${origin} is allowed`);
  for (const origin of neverLoopback) t.equal(await preflight(app, origin), undefined, `${origin} is refused`);

  const request = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { origin: 'http://127.0.0.1:4173' },
  });
  t.equal(request.headers['access-control-allow-origin'], 'http://127.0.0.1:4173');
  t.match(String(request.headers.vary), /origin/i, 'caches keep answers for different origins apart');
});

t.test('without local mode only the listed origins are allowed', async (t) => {
  const app = await appWith(t, { CORS_ORIGINS: 'http://localhost:5173' });
  t.equal(await preflight(app, 'http://localhost:5173'), 'http://localhost:5173');
  t.equal(await preflight(app, 'http://localhost:5174'), undefined, 'another port is refused');
  t.equal(await preflight(app, 'http://127.0.0.1:4173'), undefined, 'another host is refused');

  const none = await appWith(t, {});
  t.equal(await preflight(none, 'http://localhost:5173'), undefined, 'the default allows no origin');
});

t.test('local mode keeps the explicit origins', async (t) => {
  const app = await appWith(t, { CORS_ALLOW_LOOPBACK: 'true', CORS_ORIGINS: 'https://app.example.com' });
  t.equal(await preflight(app, 'https://app.example.com'), 'https://app.example.com');
  t.equal(await preflight(app, 'http://localhost:5174'), 'http://localhost:5174');
  t.equal(await preflight(app, 'https://other.example.com'), undefined);
});

t.test('production: only CORS_ORIGINS, and local mode is refused at start-up', async (t) => {
  const app = await appWith(t, { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' });
  t.equal(await preflight(app, 'https://app.example.com'), 'https://app.example.com');
  t.equal(await preflight(app, 'http://localhost:5173'), undefined);
  t.equal(await preflight(app, 'http://127.0.0.1:4173'), undefined);

  for (const value of ['true', '1', 'yes']) {
    t.throws(() => loadAppConfig({ ...required, NODE_ENV: 'production', CORS_ALLOW_LOOPBACK: value }), ConfigError);
  }
  t.throws(() => loadAppConfig({ ...required, NODE_ENV: 'production', CORS_ALLOW_LOOPBACK: 'true' }), {
    message: /CORS_ALLOW_LOOPBACK is for local development only/,
  });
  t.equal(
    loadAppConfig({ ...required, NODE_ENV: 'production', CORS_ALLOW_LOOPBACK: 'false' }).corsAllowLoopback,
    false,
  );
  t.equal(loadAppConfig(required).corsAllowLoopback, false, 'off by default');
  t.throws(() => loadAppConfig({ ...required, CORS_ALLOW_LOOPBACK: 'sometimes' }), {
    message: /CORS_ALLOW_LOOPBACK must be true or false/,
  });
});
