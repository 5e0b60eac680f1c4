/**
 * The security headers of every answer, computed once. @fastify/helmet (global mode) calls
 * `helmet(options)` on every request, which re-parses the CSP directives each time: ≈ 2% of the
 * api's CPU per request in the bench profile (docs/benchmarks.md). The headers never change for
 * this JSON API, so they are a constant; test/security-headers.test.ts checks that they stay
 * exactly what @fastify/helmet sends for HELMET_OPTIONS, so a helmet upgrade cannot drift from them.
 */

/** What @fastify/helmet was configured with: CSP `default-src 'none'` (no documents are served, Swagger UI sets its own). */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
} as const;

export const SECURITY_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  [
    'content-security-policy',
    "default-src 'none';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';" +
      "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
      "style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  ],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-site'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

/** The same, as one object for `reply.headers()`. */
export const SECURITY_HEADER_FIELDS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(SECURITY_HEADERS),
);
