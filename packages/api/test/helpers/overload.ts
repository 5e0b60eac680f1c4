import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { AppConfig, OverloadConfig } from '../../src/config.ts';
import { createTestDatabase, testConfig, type Tap } from './stack.ts';

/**
 * An app on a fresh database whose overload guard sheds past `overload` and nothing else (every
 * threshold not given is off), sampled every 100 ms; ready, schemas not compiled yet.
 * `overrides` adds configuration beside the overload settings (for example where metrics go).
 */
export async function buildGuardedApp(
  t: Tap,
  overload: Partial<OverloadConfig>,
  overrides: Omit<Partial<AppConfig>, 'overload'> = {},
): Promise<FastifyInstance> {
  const thresholds: OverloadConfig = {
    maxEventLoopDelayMs: 0,
    maxEventLoopUtilization: 0,
    maxHeapUsedBytes: 0,
    maxRssBytes: 0,
    retryAfterSeconds: 7,
    ...overload,
  };
  const app = await buildApp({
    config: testConfig(await createTestDatabase(t), { ...overrides, overload: thresholds }),
    logger: false,
    overloadSampleIntervalMs: 100,
  });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

/**
 * An app that sheds past 100 ms of mean event-loop delay (buildGuardedApp), its schemas compiled,
 * returned once start-up work on a shared machine no longer counts as pressure.
 */
export async function buildSheddingApp(
  t: Tap,
  overrides: Omit<Partial<AppConfig>, 'overload'> = {},
): Promise<FastifyInstance> {
  const app = await buildGuardedApp(t, { maxEventLoopDelayMs: 100 }, overrides);
  // Every schema compiled now, as server.ts does once listening: a route's first use would otherwise
  // compile its validator and serializers while the stall's one overloaded sample (100 ms) runs out.
  await app.schemaCompilations.warmUp();
  // The guard excuses the warm-up's own load for two sample intervals after it (plugins/overload.ts).
  await sleep(200);
  for (let i = 0; i < 50 && app.overloaded(); i++) await sleep(100);
  return app;
}

/** Keeps this thread busy for `ms` milliseconds (the event loop blocked meanwhile). */
export function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

/** Blocks the event loop well past the threshold, then gives the next sample a moment to see it. */
export async function stallEventLoop(app: FastifyInstance): Promise<void> {
  busyFor(1_500);
  for (let i = 0; i < 20 && !app.overloaded(); i++) await sleep(5);
}
