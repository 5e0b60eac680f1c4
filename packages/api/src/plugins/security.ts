import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CORS_POLICY } from '../http/cors-policy.ts';

/** Security headers and CORS from the configured allow-list (no origin is allowed by default). */
export const securityPlugin = fp(
  async (app: FastifyInstance, options: { corsOrigins: readonly string[] }) => {
    await app.register(helmet, {
      // Swagger UI sets its own CSP on /docs; the JSON API needs none beyond this default.
      contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-site' },
    });
    await app.register(cors, {
      origin: options.corsOrigins.length > 0 ? [...options.corsOrigins] : false,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      // The same lists API Gateway answers preflights with in AWS (through the OpenAPI document).
      allowedHeaders: [...CORS_POLICY.allowHeaders],
      exposedHeaders: [...CORS_POLICY.exposeHeaders],
      maxAge: CORS_POLICY.maxAgeSeconds,
      // An OPTIONS request that is not a CORS preflight gets an empty 204, not a text/plain 400.
      strictPreflight: false,
    });
  },
  { name: 'security' },
);
