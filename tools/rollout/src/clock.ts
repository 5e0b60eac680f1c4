/** Time as the rollout sees it: injectable so polling tests run instantly. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Calls `check` until it returns a value, sleeping `intervalMs` between calls. Resolves undefined
 * when a check made once `timeoutMs` has passed still returned nothing (`check` runs at least once).
 */
export async function pollUntil<T>(
  clock: Clock,
  options: { readonly intervalMs: number; readonly timeoutMs: number },
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (clock.now() >= deadline) return undefined;
    await clock.sleep(options.intervalMs);
  }
}
