// A fetch that fails before any response says "probably CORS" on a page calling another origin, where
// that is the usual cause and the browser hides the reason; elsewhere it stays a plain connection error.
// A real Chromium refusing a real CORS answer is in browser.test.ts; this covers each branch.
import t from 'tap';
import { APIConnectionError, Taskboard } from '../src/index.ts';
import { connectionHint } from '../src/runtime/connection-hint.ts';

/** What Chromium's fetch rejects with when CORS (or the network) fails. */
const failedToFetch = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch');
};

/** Runs `body` as if on a page at `origin` (browsers and workers have `location`; Node has none). */
async function onPage<T>(origin: string, body: () => Promise<T>): Promise<T> {
  const had = Object.getOwnPropertyDescriptor(globalThis, 'location');
  Object.defineProperty(globalThis, 'location', { value: { origin }, configurable: true });
  try {
    return await body();
  } finally {
    if (had) Object.defineProperty(globalThis, 'location', had);
    else delete (globalThis as { location?: unknown }).location;
  }
}

async function errorOf(baseUrl: string, fetch = failedToFetch): Promise<APIConnectionError> {
  const error: unknown = await new Taskboard({ baseUrl, fetch, maxRetries: 0 }).health.live().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof APIConnectionError)) throw new Error(`expected an APIConnectionError, got ${String(error)}`);
  return error;
}

t.test('a page calling another origin is told it is probably CORS, with both origins', async (t) => {
  const error = await onPage('http://localhost:5174', () => errorOf('http://127.0.0.1:3000/'));
  t.equal(
    error.message,
    'Connection error: the request to http://127.0.0.1:3000 failed before a response. In a browser this is ' +
      'usually CORS: is http://localhost:5174 allowed by the API (CORS_ORIGINS)? Otherwise the API is down or ' +
      'unreachable.',
  );
  t.type(error.cause, TypeError, 'the browser error stays the cause');
  t.equal(error.status, undefined);
});

t.test('no CORS guess where CORS cannot be the reason', async (t) => {
  t.equal((await errorOf('http://127.0.0.1:3000')).message, 'Connection error.', 'Node: no page, no CORS');
  const sameOrigin = await onPage('https://app.example.com', () => errorOf('https://app.example.com/api'));
  t.equal(sameOrigin.message, 'Connection error.', 'same origin: CORS does not apply');
  const opaque = await onPage('null', () => errorOf('https://api.example.com'));
  t.equal(opaque.message, 'Connection error.', 'an opaque origin (file://, sandbox) cannot be allow-listed by name');
  const notFetch = await onPage('http://localhost:5173', () =>
    errorOf('https://api.example.com', async () => {
      throw new Error('socket hang up');
    }),
  );
  t.equal(notFetch.message, 'Connection error.', 'only the TypeError fetch rejects with in browsers');
});

t.test('a URL that does not parse gets no guess', async (t) => {
  t.equal(connectionHint('http://[bad', new TypeError('Failed to fetch')), undefined);
});
