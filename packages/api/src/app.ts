import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config.ts';
import { credentialsFromConfig } from './db/secrets.ts';
import type { CredentialsProvider } from './db/credentials.ts';
import { MIGRATIONS_DIR } from './db/migrations.ts';
import { loadCaBundle } from './db/tls.ts';
import { HttpProblem } from './http/problem.ts';
import { authPlugin } from './plugins/auth.ts';
import { databasePlugin } from './plugins/database.ts';
import { errorsPlugin, sendProblem } from './plugins/errors.ts';
import { OneLinePerRequest } from './plugins/request-log.ts';
import { healthPlugin, type HealthOptions } from './plugins/health.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { overloadPlugin } from './plugins/overload.ts';
import { rateLimitsPlugin } from './plugins/rate-limits.ts';
import { securityPlugin } from './plugins/security.ts';
import { buildValidatorFactory } from './plugins/validation.ts';
import { buildMemoisedSerializerFactory } from './plugins/serialization.ts';
import { meRoutes } from './routes/me/index.ts';
import { invitationRoutes } from './routes/invitations/index.ts';
import { projectRoutes } from './routes/projects/index.ts';
import { taskRoutes } from './routes/tasks/index.ts';
import { ProblemSchema } from './schemas/common.ts';
import {
  MeSchema,
  InvitationInputSchema,
  InvitationSchema,
  MemberSchema,
  ProjectInputSchema,
  ProjectSchema,
  TaskInputSchema,
  TaskSchema,
} from './schemas/resources.ts';
import { IdempotencyStore } from './services/idempotency.ts';
import { InvitationService } from './services/invitations.ts';
import { ProjectService } from './services/projects.ts';
import { TaskService } from './services/tasks.ts';
import { ROUTER_OPTIONS } from './http/allowed-methods.ts';
import { assertPrefixIsNotARoute, stagePrefixRewriter } from './http/stage-prefix.ts';
import { UserDirectory } from './services/users.ts';
import { cognitoVerifiedEmail } from './auth/cognito-email.ts';
import { normalizeTextFields } from './http/text-fields.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: {
      readonly projects: ProjectService;
      readonly invitations: InvitationService;
      readonly tasks: TaskService;
      readonly users: UserDirectory;
      readonly idempotency: IdempotencyStore;
    };
  }
}

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

/** Headers and fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.idToken',
  '*.databaseUrl',
];

const IDEMPOTENCY_SWEEP_MS = 10 * 60_000;

/** Fastify's types omit the hop count proxy-addr accepts; a hop count is "trust the first n hops". */
function trustProxyOption(trust: AppConfig['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (trust === undefined) return false;
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return [...trust];
}

/**
 * Builds the Taskboard API. No I/O happens here: the database connects on its first query
 * and JWKS are fetched on the first token, so building an app (e.g. to write the OpenAPI
 * document) needs no running services.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    bodyLimit: config.bodyLimitBytes,
    // Who may say, in X-Forwarded-For, which client address a request is limited by (TRUST_PROXY).
    // Unset: nobody, request.ip is the socket peer.
    trustProxy: trustProxyOption(config.trustProxy),
    // Always ours: a caller's x-request-id is logged next to it (clientRequestId), never instead of it,
    // so two callers sending the same value still get two request ids.
    genReqId: () => randomUUID(),
    // Slow or stalled clients must not hold connections forever.
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    // Longer than the load balancer's idle timeout (60 s), so it never reuses a socket we closed.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    routerOptions: { ...ROUTER_OPTIONS },
    ...(config.stagePrefix ? { rewriteUrl: stagePrefixRewriter(config.stagePrefix) } : {}),
    // Fastify's types for compiler factories are narrower than what it calls them with.
    schemaController: {
      compilersFactory: {
        buildValidator: buildValidatorFactory() as never,
        buildSerializer: buildMemoisedSerializerFactory() as never,
      },
    },
    logController: new OneLinePerRequest({
      requestIdLogLabel: 'requestId',
      recordClientRequestId: config.trustRequestId,
    }),
    // Router-level rejections (over-long parameters, malformed URL encoding) never reach the
    // error handler; answer them as problem+json too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id); // onRequest hooks do not run for these
      sendProblem(
        request,
        reply,
        new HttpProblem('validation', 'The request URL is not valid', {
          errors: [{ path: '/path', message: error.message }],
        }),
      );
    },
  });

  // Bodies are JSON: a text/plain body is a 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  // Many HTTP clients set Content-Type: application/json on every request; a DELETE has no body,
  // nor has a POST that takes none (accepting an invitation).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && (request.method === 'DELETE' || request.routeOptions.schema?.body === undefined)) {
      done(null, undefined);
    } else parseJson(request, body as string, done);
  });

  if (config.stagePrefix) {
    const prefix = config.stagePrefix;
    app.addHook('onRoute', (route) => assertPrefixIsNotARoute(prefix, route.url));
  }

  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  for (const schema of [
    ProblemSchema,
    ProjectInputSchema,
    ProjectSchema,
    MemberSchema,
    InvitationInputSchema,
    InvitationSchema,
    TaskInputSchema,
    TaskSchema,
    MeSchema,
  ]) {
    app.addSchema(schema);
  }
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

  const idempotency = new IdempotencyStore(app.prisma, config.idempotencyTtlSeconds);
  app.decorate('services', {
    projects: new ProjectService(app.prisma),
    invitations: new InvitationService(app.prisma),
    tasks: new TaskService(app.prisma),
    users: new UserDirectory(app.prisma),
    idempotency,
  });

  await app.register(healthPlugin, {
    migrationsDir: options.migrationsDir ?? MIGRATIONS_DIR,
    readinessCacheMs: config.readinessCacheMs,
    ...options.servingGate,
  });

  await app.register(
    async (v1) => {
      // Rate limits and authentication in onRequest: before the body is parsed or validated.
      v1.addHook('onRequest', app.authenticateWithinLimits);
      // Names and descriptions: NFC, no control or bidi override characters (src/http/text-fields.ts).
      v1.addHook('preValidation', normalizeTextFields);
      v1.addHook('preHandler', async (request) => {
        const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
        await app.services.users.ensure(request.principal, async () => {
          try {
            return await cognitoVerifiedEmail(request.principal.issuer, token);
          } catch (error) {
            request.log.warn({ err: error }, 'could not read the user email from Cognito');
            throw error;
          }
        });
      });
      await v1.register(meRoutes);
      await v1.register(projectRoutes);
      await v1.register(invitationRoutes);
      await v1.register(taskRoutes);
    },
    { prefix: '/v1' },
  );

  const sweep = setInterval(() => {
    idempotency.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'idempotency key sweep failed'));
  }, IDEMPOTENCY_SWEEP_MS);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  return app;
}
