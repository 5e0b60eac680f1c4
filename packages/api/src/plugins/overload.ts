import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { OverloadConfig } from '../config.ts';
import { HttpProblem } from '../http/problem.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** True while a load threshold is exceeded (requests are being shed); false without this plugin. */
    overloaded(): boolean;
  }
}

export interface OverloadOptions extends OverloadConfig {
  /** How often load is sampled. @default 1000 */
  readonly sampleIntervalMs?: number;
}

/**
 * Sheds load with 503 + Retry-After (as problem+json) once the event loop lags or memory passes a
 * limit, so queued requests fail fast instead of timing out behind a stalled loop. Health routes
 * are never shed: liveness and serving (the load balancer's check, which also decides whether the
 * Auto Scaling group replaces the instance) must keep answering, so load never gets an instance
 * replaced; readiness reports the pressure itself, for monitoring.
 *
 * The schema warm-up server.ts starts once listening (plugins/deferred-compilation.ts) keeps the
 * event loop busy for a few hundred milliseconds, more on a shared CPU. That is not overload: while
 * it runs, and for two sample intervals after (the sample that still covers it holds until the
 * next one), nothing is shed and readiness does not report pressure. Otherwise a process that gets
 * traffic the moment it listens (a restarted cluster worker on the shared port, a test) would shed
 * requests it can serve.
 */
export const overloadPlugin = fp(
  async (app: FastifyInstance, options: OverloadOptions) => {
    const retryAfter = String(options.retryAfterSeconds);
    const sampleIntervalMs = options.sampleIntervalMs ?? 1_000;
    const warmingUp = () => app.schemaCompilations.warmingUpWithin(2 * sampleIntervalMs);
    // under-pressure sends what the handler returns (an error goes to our error handler, which
    // answers problem+json); undefined lets the request through. Its types only allow void.
    const shed = (request: FastifyRequest, _reply: unknown, type: string, value: number | undefined) => {
      if (request.url.startsWith('/health/') || warmingUp()) return undefined;
      request.log.warn({ type, value }, 'overloaded: shedding request');
      app.metrics.requestShed();
      return new HttpProblem('unavailable', 'The server is overloaded; try again shortly', {
        headers: { 'retry-after': retryAfter },
      });
    };
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      maxEventLoopUtilization: options.maxEventLoopUtilization,
      maxHeapUsedBytes: options.maxHeapUsedBytes,
      maxRssBytes: options.maxRssBytes,
      sampleInterval: sampleIntervalMs,
      retryAfter: options.retryAfterSeconds,
      pressureHandler: shed as unknown as FastifyUnderPressureOptions['pressureHandler'],
    });
    app.decorate('overloaded', () => app.isUnderPressure() && !warmingUp());
  },
  { name: 'overload', dependencies: ['errors', 'metrics'] },
);
