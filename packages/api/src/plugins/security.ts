import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CORS_POLICY } from '../http/cors-policy.ts';
import { SECURITY_HEADER_FIELDS } from '../http/security-headers.ts';

/**
 * A page served from this machine over plain http, on any port: `http://localhost:5174`,
 * `http://127.0.0.1:4173`, `http://[::1]:3001`. Anchored, so `http://localhost.evil.example` is not one.
 */
export const LOOPBACK_ORIGIN = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/;

export interface SecurityOptions {
  /** Exact allowed origins (CORS_ORIGINS). */
  readonly corsOrigins: readonly string[];
  /** Local mode (CORS_ALLOW_LOOPBACK): every loopback origin too. @default false */
  readonly allowLoopback?: boolean;
}

/**
 * Security headers and CORS from the configured allow-list (no origin is allowed by default), and
 * `Cache-Control: no-store` on every answer to a request that carries credentials: a user's
 * projects must not stay in a shared proxy's or the browser's HTTP cache after sign-out
 * (RFC 9111 §5.2.2.5).
 */
export const securityPlugin = fp(
  async (app: FastifyInstance, options: SecurityOptions) => {
    const origins: (string | RegExp)[] = [...options.corsOrigins];
    if (options.allowLoopback === true) origins.push(LOOPBACK_ORIGIN);
    // helmet's headers as constants (see http/security-headers.ts), in the hook where helmet set
    // them, but as reply headers rather than on the raw response as helmet does: a header set on
    // the raw response sends every response down Node's merging path in writeHead (setHeader for
    // each of Fastify's headers too); with none, writeHead takes Fastify's header object as it is.
    // That path cost the api 1-9 µs a request, more in some processes than others (a profile of
    // two processes serving the same requests: docs/benchmarks.md). Swagger UI still sets its own
    // CSP on /docs: a later reply header replaces this one.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(SECURITY_HEADER_FIELDS);
      done();
    });
    await app.register(cors, {
      origin: origins.length > 0 ? origins : false,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      // The same lists API Gateway answers preflights with in AWS (through the OpenAPI document).
      allowedHeaders: [...CORS_POLICY.allowHeaders],
      exposedHeaders: [...CORS_POLICY.exposeHeaders],
      maxAge: CORS_POLICY.maxAgeSeconds,
      // An OPTIONS request that is not a CORS preflight gets an empty 204, not a text/plain 400.
      strictPreflight: false,
    });
    // Callback style: an async hook costs a promise and a microtask on every response.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.headers.authorization !== undefined && !reply.hasHeader('cache-control')) {
        reply.header('cache-control', 'no-store');
      }
      done(null, payload);
    });
  },
  { name: 'security' },
);
