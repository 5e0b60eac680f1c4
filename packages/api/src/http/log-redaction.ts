/** What a secret is replaced with in a log line. */
const CENSOR = '[redacted]';

/**
 * Field names whose values are secrets, wherever they sit in a logged object: passwords, tokens,
 * cookies, API keys, credentials and connection strings (which carry the password), and AWS's
 * `SecretString` / `SecretAccessKey` / `SessionToken`. A substring match, so `dbPassword`,
 * `refresh_token` and `x-api-key` are caught too; a harmless field such as `tokenUse` is hidden
 * with them, which costs a log reader little and a leak nothing.
 */
const SECRET_KEY =
  /pass(?:word|wd)|secret|token|authori[sz]ation|cookie|api[-_]?key|private[-_]?key|credential|database[-_]?url|connection[-_]?string/i;

/** The verdict of `SECRET_KEY` per field name: log lines repeat the same few names. */
const secretKeys = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 1_000;

function isSecretKey(key: string): boolean {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key);
    // Field names can come from callers (a body's keys in an error): remember a bounded number.
    if (secretKeys.size < MAX_REMEMBERED_KEYS) secretKeys.set(key, secret);
  }
  return secret;
}

/** The password in a URL's user info (`postgres://user:password@host`), e.g. in an error message. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi;
/** A bearer credential quoted in a message (`Bearer eyJ…`, `bearer …`). */
const BEARER = /\b(Bearer\s+)[\w~+/.=-]+/gi;

/** Nested objects are followed this deep; deeper ones are replaced whole (never written unchecked). */
const MAX_DEPTH = 8;

function scrubString(text: string): string {
  if (!text.includes('://') && !text.includes('earer') && !text.includes('EARER')) return text;
  return text.replace(URL_PASSWORD, `$1${CENSOR}@`).replace(BEARER, `$1${CENSOR}`);
}

/**
 * `value` with every secret-named field's value replaced and passwords in URLs and bearer
 * credentials in strings cut out, at any depth; the same object when there was nothing to
 * replace (no copy on the common path). Copies are plain objects, as JSON writes them anyway.
 */
export function scrubbed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep to log]';
  if (value instanceof Error) return scrubbedError(value, depth);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // Dates, URLs (whose JSON is the href, password included), Buffers: log what JSON would write.
    return scrubbed((value as { toJSON: () => unknown }).toJSON(), depth + 1);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const clean = scrubbed(item, depth + 1);
      if (clean !== item) (copy ??= [...value])[index] = clean;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const clean = isSecretKey(key) ? CENSOR : scrubbed(item, depth + 1);
    if (clean !== item) (copy ??= { ...value })[key] = clean;
  }
  return copy ?? value;
}

/**
 * The same error, or a copy of it (same prototype, so pino's error serializer still writes its
 * type) whose own fields are scrubbed: an error can carry the configuration or the credentials it
 * failed with, quote a connection string in its message, or have such a cause.
 */
function scrubbedError(error: Error, depth: number): Error {
  let changed = false;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Object.getOwnPropertyNames(error)) {
    // Read, not copied as a descriptor: V8's `stack` is an accessor that works on the original only.
    const value: unknown = (error as unknown as Record<string, unknown>)[key];
    const clean = isSecretKey(key) ? CENSOR : scrubbed(value, depth + 1);
    if (clean !== value) changed = true;
    const { enumerable } = Object.getOwnPropertyDescriptor(error, key) as PropertyDescriptor;
    Object.defineProperty(copy, key, { value: clean, enumerable, writable: true, configurable: true });
  }
  return changed ? copy : error;
}

/**
 * pino's `formatters.log`: the fields of every log line, scrubbed at any depth, errors included,
 * before pino serializes them. `req` and `res` are scrubbed after their serializers instead
 * (`scrubbing`), which is what gets written. A request's completion line holds only numbers, ids
 * and those two, so this costs it a loop over its six keys: pino's redaction paths, which this
 * replaces, ran a redactor on every field of every line (wildcard paths such as `*.password`) or on
 * `req` and `res` (header paths), 2-7 µs per line (docs/benchmarks.md, issue 17), and the wildcard
 * paths reached one level deep only.
 */
export function scrubLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    if (key === 'req' || key === 'res') continue;
    const value = fields[key];
    const clean = isSecretKey(key) ? CENSOR : scrubbed(value);
    if (clean !== value) (copy ??= { ...fields })[key] = clean;
  }
  return copy ?? fields;
}

/** A serializer whose output is scrubbed: one that writes headers or a body cannot leak a secret. */
export function scrubbing<T>(serializer: (value: T) => unknown): (value: T) => unknown {
  return (value) => scrubbed(serializer(value));
}

/** What Fastify's request serializer writes (fastify/lib/logger-pino.js), and never a header. */
export function requestFields(request: {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly host?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url,
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** What Fastify's reply serializer writes: the status. */
export function replyFields(reply: { readonly statusCode: number }): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}
