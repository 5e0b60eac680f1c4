// A browser app signs in to the local emulator with localSignIn (fetch only). What makes that work in a
// browser is the emulator's answer to the CORS preflight, checked here on the real cognito-local with the
// headers a page on a Vite dev server sends; the token it returns is the one `npm run token` prints.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { localSignIn } from '../src/browser-sign-in.ts';
import { startCognitoLocal } from '../src/cognito.ts';
import { createUser, createUserPool } from '../src/user-pool.ts';

const PAGE = 'http://localhost:5174';
const user = { email: 'demo@taskboard.local', password: 'Taskboard-demo-1' };

t.test('a page on another origin signs in to the emulator with fetch', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'taskboard-cognito-test-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const cognito = await startCognitoLocal({ dataDir });
  t.teardown(() => cognito.stop());
  const pool = await createUserPool(cognito.endpoint, 'browser-test');
  await createUser(cognito.endpoint, pool, user);

  const preflight = await fetch(`${cognito.endpoint}/`, {
    method: 'OPTIONS',
    headers: {
      origin: PAGE,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-amz-target',
    },
  });
  t.ok(preflight.status >= 200 && preflight.status < 300, `preflight answered ${preflight.status}`);
  t.equal(preflight.headers.get('access-control-allow-origin'), '*');
  t.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  t.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  t.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-amz-target/i);

  // What the browser sends after the preflight: the same request with its Origin.
  const seen: string[] = [];
  const tokens = await localSignIn({
    endpoint: cognito.endpoint,
    clientId: pool.clientId,
    username: user.email,
    password: user.password,
    fetch: async (input, init) => {
      const response = await fetch(input, { ...init, headers: { ...(init?.headers as object), origin: PAGE } });
      seen.push(response.headers.get('access-control-allow-origin') ?? '(none)');
      return response;
    },
  });
  t.same(seen, ['*'], 'the response is readable by the page');
  const payload = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
  t.equal(payload.iss, cognito.issuerFor(pool.poolId), 'the issuer the api trusts in local mode');
  t.equal(payload.token_use, 'access');
  t.equal(payload.client_id, pool.clientId);
  t.type(tokens.idToken, 'string');

  await t.rejects(
    localSignIn({ endpoint: cognito.endpoint, clientId: pool.clientId, username: user.email, password: 'wrong' }),
    { message: /^local sign-in of demo@taskboard\.local failed \((NotAuthorized|InvalidPassword)Exception: / },
  );
  await t.rejects(
    localSignIn({
      endpoint: cognito.endpoint,
      clientId: pool.clientId,
      username: user.email,
      password: user.password,
      fetch: async () => new Response('<html>proxy error</html>', { status: 502 }),
    }),
    { message: 'local sign-in of demo@taskboard.local failed (HTTP 502)' },
  );
});
