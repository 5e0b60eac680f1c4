/**
 * The one CORS allow-list. The api's own CORS (plugins/security.ts) uses it, and the OpenAPI document
 * carries it as `x-taskboard-cors`, from which the environment template builds API Gateway's preflight
 * and gateway responses: in AWS the browser's preflight is answered at the edge, locally by the api,
 * and both must allow the same headers or a browser app works locally and fails in AWS.
 */

/** The name of the top-level OpenAPI extension that carries {@link CorsPolicy}. */
export const CORS_EXTENSION = 'x-taskboard-cors';

export interface CorsPolicy {
  /** Request headers a browser may send (Access-Control-Allow-Headers), lower case. */
  readonly allowHeaders: readonly string[];
  /** Response headers a browser script may read (Access-Control-Expose-Headers), lower case. */
  readonly exposeHeaders: readonly string[];
  /** How long a browser may cache a preflight answer (Access-Control-Max-Age). */
  readonly maxAgeSeconds: number;
}

export const CORS_POLICY: CorsPolicy = {
  allowHeaders: [
    'authorization',
    'content-type',
    'if-match',
    'idempotency-key',
    'x-request-id',
    // W3C trace context, which browser tracing (OpenTelemetry) adds to every request.
    'traceparent',
    'tracestate',
  ],
  exposeHeaders: [
    'etag',
    'location',
    'x-request-id',
    'retry-after',
    'idempotent-replayed',
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
  ],
  maxAgeSeconds: 600,
};
