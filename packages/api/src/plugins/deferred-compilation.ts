import { setImmediate as nextTurn } from 'node:timers/promises';

declare module 'fastify' {
  interface FastifyInstance {
    /** The routes' validators and serializers not compiled yet (server.ts warms them after listening). */
    readonly schemaCompilations: DeferredCompilations;
  }
}

/**
 * The routes' validators (Ajv) and serializers (fast-json-stringify), compiled when first used or
 * by `warmUp()`, whichever comes first, instead of all of them while Fastify becomes ready.
 *
 * Why: compiling them all at ready was about 0.3 s of CPU, a third of the process's start-up
 * (docs/benchmarks.md, issue 17), and an instance that scales out is useless until it is ready.
 * Why warm up right after listening anyway: left to first use, the first request of each route on a
 * new instance would pay its compilation (10+ ms for a body schema), in the middle of the traffic
 * that made the fleet scale out. `warmUp()` compiles the rest one schema per event-loop turn, so a
 * request arriving meanwhile waits for at most one compilation, not for all of them.
 */
export class DeferredCompilations {
  private readonly pending = new Set<() => unknown>();
  private compiledCount = 0;
  private warming: Promise<void> | undefined;
  /** performance.now() when the last warm-up finished; undefined before any. */
  private warmUpEndedAt: number | undefined;

  /**
   * A function that compiles with `compile` on its first call only and returns that result ever
   * after; until then it waits in the warm-up list.
   */
  defer<T>(compile: () => T): () => T {
    let done = false;
    let result: T;
    const get = (): T => {
      if (!done) {
        // Out of the warm-up list first: a schema that does not compile throws at each use (a 500,
        // as Fastify answers a throwing validator) and fails the warm-up once, never loops it.
        this.pending.delete(get);
        result = compile();
        done = true;
        this.compiledCount += 1;
      }
      return result;
    };
    this.pending.add(get);
    return get;
  }

  /** Compiled so far, and still waiting for their first use or the warm-up. */
  stats(): { readonly compiled: number; readonly pending: number } {
    return { compiled: this.compiledCount, pending: this.pending.size };
  }

  /**
   * True while a warm-up runs or if one ended less than `ms` ago: the load it puts on the event loop
   * is the process's own start-up work, which the overload guard must not take for overload.
   */
  warmingUpWithin(ms: number): boolean {
    if (this.warming !== undefined) return true;
    return this.warmUpEndedAt !== undefined && performance.now() - this.warmUpEndedAt < ms;
  }

  /**
   * Compiles everything not compiled yet, one per event-loop turn; resolves when none is left
   * (also those deferred while it ran), or rejects with the first compilation that throws. Called
   * again while running, both calls share one warm-up.
   */
  warmUp(): Promise<void> {
    this.warming ??= this.compilePending().finally(() => {
      this.warming = undefined;
      this.warmUpEndedAt = performance.now();
    });
    return this.warming;
  }

  private async compilePending(): Promise<void> {
    for (let next = this.pending.values().next(); next.done !== true; next = this.pending.values().next()) {
      next.value();
      await nextTurn();
    }
  }
}
