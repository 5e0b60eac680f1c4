import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { MetricsConfig } from '../config.ts';
import { EmfAgentExporter, stdoutExporter, type MetricsExporter } from '../metrics/exporters.ts';
import { operationName, UNMATCHED_OPERATION } from '../metrics/operation.ts';
import { MetricsRecorder, NO_METRICS, type MetricsHooks, type OperationStats } from '../metrics/recorder.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counting hooks for the plugins (auth failures, shed and rate-limited requests). */
    metrics: MetricsHooks;
  }
}

export interface MetricsPluginOptions {
  /** @default metrics off */
  readonly metrics?: MetricsConfig;
}

/**
 * Application metrics as CloudWatch Embedded Metric Format (namespace Taskboard): per operation,
 * requests, 4xx, 5xx and a latency distribution; problems by type; authentication failures by
 * reason; the database pool, the event loop, shed and rate-limited requests, JWKS fetches.
 * Aggregated in this process and sent every METRICS_FLUSH_SECONDS, and once more on close, to the
 * CloudWatch agent (or stdout). Each cluster worker sends its own; CloudWatch adds them up.
 *
 * On the request path: a route-level onResponse hook holding its operation's counters (no lookup),
 * two increments and a histogram bucket. Sending happens on a timer; a failed send drops that
 * interval's documents with one warning, and never touches a request.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsPluginOptions) => {
    const config = options.metrics;
    if (config === undefined || config.exporter === 'none') {
      app.decorate('metrics', NO_METRICS);
      return;
    }
    const recorder = new MetricsRecorder(config.serviceName, config.emfLogGroup);
    app.decorate('metrics', recorder);
    const exporter: MetricsExporter =
      config.exporter === 'stdout' ? stdoutExporter() : new EmfAgentExporter(config.emfEndpoint);

    const observe = (stats: OperationStats, reply: FastifyReply): void => {
      stats.record(reply.statusCode, reply.elapsedTime);
      if (reply.problemType !== null) recorder.problem(reply.problemType);
    };
    app.addHook('onRoute', (route) => {
      const stats = recorder.operation(operationName(route));
      const hook: onResponseHookHandler = (_request, reply, done) => {
        observe(stats, reply);
        done();
      };
      const existing = route.onResponse;
      route.onResponse = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
    });
    // Requests no route matched (the not-found handler: 404, 405) have no route hook.
    const unmatched = recorder.operation(UNMATCHED_OPERATION);
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) observe(unmatched, reply);
      done();
    });

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let utilization = performance.eventLoopUtilization();
    let jwksFetchesSeen = 0;
    const jwksFetchCount = (): number => (app.hasDecorator('jwksKeys') ? app.jwksKeys.fetchCount : 0);

    let samplePool = (): void => {};
    function takeDocuments(): string[] {
      samplePool();
      const now = performance.eventLoopUtilization();
      const interval = performance.eventLoopUtilization(now, utilization);
      utilization = now;
      const p99 = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0;
      loopDelay.reset();
      const fetches = jwksFetchCount();
      const readings = {
        eventLoopDelayP99Ms: Math.round(p99 * 1000) / 1000,
        eventLoopUtilizationPercent: Math.round(interval.utilization * 10_000) / 100,
        jwksFetches: fetches - jwksFetchesSeen,
      };
      jwksFetchesSeen = fetches;
      return recorder.takeDocuments(Date.now(), readings);
    }

    let sending: Promise<void> | undefined;
    async function flush(): Promise<void> {
      const documents = takeDocuments();
      if (sending !== undefined) {
        app.log.warn({ dropped: documents.length }, 'metrics not sent: the previous send has not finished');
        return;
      }
      sending = exporter
        .send(documents)
        .catch((error: unknown) =>
          app.log.warn({ err: error, dropped: documents.length, exporter: config?.exporter }, 'metrics not sent'),
        )
        .finally(() => {
          sending = undefined;
        });
      await sending;
    }

    let flushTimer: NodeJS.Timeout | undefined;
    let poolSampler: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      loopDelay.enable();
      utilization = performance.eventLoopUtilization();
      jwksFetchesSeen = jwksFetchCount();
      if (app.hasDecorator('database')) {
        const pool = app.database.pool;
        pool.onWait = (ms) => recorder.poolWait(ms);
        samplePool = () => recorder.samplePool(pool.totalCount - pool.idleCount, pool.waitingCount);
        poolSampler = setInterval(samplePool, 1_000);
        poolSampler.unref();
      }
      flushTimer = setInterval(() => void flush(), config.flushSeconds * 1_000);
      flushTimer.unref();
    });
    // Drain: what the last interval counted is sent before the process goes.
    app.addHook('onClose', async () => {
      clearInterval(flushTimer);
      clearInterval(poolSampler);
      if (sending !== undefined) await sending;
      await flush();
      loopDelay.disable();
      await exporter.close();
    });
  },
  { name: 'metrics', dependencies: ['errors'] },
);
