import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { AppConfig } from '../../src/config.ts';
import { createTestDatabase, testConfig, type Tap } from './stack.ts';

/**
 * An app on a fresh database that sheds past 100 ms of mean event-loop delay (sampled every 100 ms)
 * and nothing else, its schemas compiled, returned once start-up work on a shared machine no longer
 * counts as pressure.
 * `overrides` adds configuration beside the overload settings (for example where metrics go).
 */
export async function buildSheddingApp(
  t: Tap,
  overrides: Omit<Partial<AppConfig>, 'overload'> = {},
): Promise<FastifyInstance> {
  const overload = {
    maxEventLoopDelayMs: 100,
    maxEventLoopUtilization: 0,
    maxHeapUsedBytes: 0,
    maxRssBytes: 0,
    retryAfterSeconds: 7,
  };
  const app = await buildApp({
    config: testConfig(await createTestDatabase(t), { ...overrides, overload }),
    logger: false,
    overloadSampleIntervalMs: 100,
  });
  t.teardown(() => app.close());
  await app.ready();
  // Every schema compiled now, as server.ts does once listening: a route's first use would otherwise
  // compile its validator and serializers while the stall's one overloaded sample (100 ms) runs out.
  await app.schemaCompilations.warmUp();
  // The guard excuses the warm-up's own load for two sample intervals after it (plugins/overload.ts).
  await sleep(200);
  for (let i = 0; i < 50 && app.overloaded(); i++) await sleep(100);
  return app;
}

/** Blocks the event loop well past the threshold, then gives the next sample a moment to see it. */
export async function stallEventLoop(app: FastifyInstance): Promise<void> {
  const busyUntil = Date.now() + 1_500;
  while (Date.now() < busyUntil) {
    /* busy */
  }
  for (let i = 0; i < 20 && !app.overloaded(); i++) await sleep(5);
}
