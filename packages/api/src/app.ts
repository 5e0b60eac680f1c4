import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config.ts';
import type { CredentialsProvider } from './db/credentials.ts';
import { MIGRATIONS_DIR } from './db/migrations.ts';
import { credentialsFromConfig } from './db/secrets.ts';
import { loadCaBundle } from './db/tls.ts';
import { fastifyOptions } from './fastify-options.ts';
import { assertPrefixIsNotARoute } from './http/stage-prefix.ts';
import { authPlugin } from './plugins/auth.ts';
import { databasePlugin } from './plugins/database.ts';
import { DeferredCompilations } from './plugins/deferred-compilation.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { healthPlugin, type HealthOptions } from './plugins/health.ts';
import { idempotencySweepPlugin } from './plugins/idempotency-sweep.ts';
import { jsonBodiesPlugin } from './plugins/json-bodies.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { overloadPlugin } from './plugins/overload.ts';
import { rateLimitsPlugin } from './plugins/rate-limits.ts';
import { securityPlugin } from './plugins/security.ts';
import { servicesPlugin } from './plugins/services.ts';
import { v1Routes } from './routes/v1.ts';
import { SHARED_SCHEMAS } from './schemas/shared.ts';
import { tracingPlugin } from './tracing/plugin.ts';

export interface BuildAppOptions {
  readonly config: AppConfig;
  /** Pino options, or false for no logs. @default JSON logs at config.logLevel */
  readonly logger?: FastifyServerOptions['logger'];
  /** Where the migrations readiness compares against live. @default prisma/migrations of this package */
  readonly migrationsDir?: string;
  /** Database credentials. @default from config: DATABASE_URL, or the Secrets Manager secret */
  readonly credentials?: CredentialsProvider;
  /** Load sampling period of the overload plugin (tests shorten it). @default 1000 */
  readonly overloadSampleIntervalMs?: number;
  /** The /health/serving start-up gate across cluster workers (src/server.ts). @default this process alone */
  readonly servingGate?: Pick<HealthOptions, 'startedBefore' | 'onStarted'>;
}

/**
 * Builds the Taskboard API. No I/O happens here: the database connects on its first query
 * and JWKS are fetched on the first token, so building an app (e.g. to write the OpenAPI
 * document) needs no running services.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  // Validators and serializers compile on first use, or in the warm-up server.ts starts once listening.
  const compilations = new DeferredCompilations();
  const app = Fastify(fastifyOptions(config, compilations, options.logger));
  app.decorate('schemaCompilations', compilations);
  // First, so the request span wraps every hook and route registered after it.
  await app.register(tracingPlugin);

  await app.register(jsonBodiesPlugin);

  if (config.stagePrefix) {
    const prefix = config.stagePrefix;
    app.addHook('onRoute', (route) => assertPrefixIsNotARoute(prefix, route.url));
  }

  app.decorateRequest('principal', null as never);
  // Callback style: an async hook costs a promise and a microtask on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { metrics: config.metrics });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(securityPlugin, { corsOrigins: config.corsOrigins, allowLoopback: config.corsAllowLoopback });
  await app.register(openapiPlugin, { ui: config.docs });
  if (config.overload) {
    await app.register(overloadPlugin, { ...config.overload, sampleIntervalMs: options.overloadSampleIntervalMs });
  } else {
    app.decorate('overloaded', () => false);
  }
  await app.register(databasePlugin, {
    credentials: options.credentials ?? credentialsFromConfig(config),
    poolMax: config.databasePoolMax,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    maxLifetimeSeconds: config.databaseMaxLifetimeSeconds,
    sslCa: config.databaseSslCaFile === undefined ? undefined : loadCaBundle(config.databaseSslCaFile),
  });
  await app.register(authPlugin, { auth: config.auth });
  await app.register(rateLimitsPlugin, config.rateLimit);

  await app.register(servicesPlugin, { idempotencyTtlSeconds: config.idempotencyTtlSeconds });

  await app.register(healthPlugin, {
    migrationsDir: options.migrationsDir ?? MIGRATIONS_DIR,
    readinessCacheMs: config.readinessCacheMs,
    ...options.servingGate,
  });

  await app.register(v1Routes, { prefix: '/v1' });
  await app.register(idempotencySweepPlugin);

  return app;
}
