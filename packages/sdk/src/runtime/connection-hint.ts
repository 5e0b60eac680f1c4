/**
 * The message for a fetch that failed before any response. Browsers hide why (a refused CORS check,
 * a server that is down and a DNS failure all reject with the same TypeError), but on a page calling
 * another origin the usual cause is CORS, so the message says so and names both origins.
 * Undefined (the plain "Connection error.") outside a browser or for a same-origin URL.
 */
export function connectionHint(url: string, cause: unknown): string | undefined {
  // A page or a worker has a location; Node and other servers do not (their `navigator` says nothing).
  const page = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (!(cause instanceof TypeError) || !page || page === 'null') return undefined;
  let target: string;
  try {
    target = new URL(url, page).origin;
  } catch {
    return undefined; // a malformed baseUrl: fetch's own message says more than a CORS guess
  }
  return target === page
    ? undefined
    : `Connection error: the request to ${target} failed before a response. In a browser this is usually CORS: ` +
        `is ${page} allowed by the API (CORS_ORIGINS)? Otherwise the API is down or unreachable.`;
}
