/**
 * Drives one server with autocannon: a warm-up run whose numbers are dropped, then the
 * measured run, both with the same connections; the server's peak RSS is sampled during
 * the measured run.
 */
import autocannon from 'autocannon';
import type { LoadNumbers } from './stats.ts';

export interface LoadPhase {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: readonly autocannon.Request[];
  /** Called when the measured run starts; its result is called when it ends and gives the peak RSS. */
  readonly trackPeakRss: () => () => Promise<number>;
  /** The server's CPU time so far (ms): its difference over the measured run, per request, is the cost of one request. */
  readonly cpuMs: () => Promise<number>;
  /** Runs before the warm-up and before the measured run (e.g. to resynchronise task versions). */
  readonly beforeEachRun?: () => Promise<void>;
}

function run(phase: LoadPhase, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: phase.url,
        connections: phase.connections,
        duration: seconds,
        headers: { ...phase.headers },
        requests: [...phase.requests],
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

export async function loadPhase(phase: LoadPhase): Promise<LoadNumbers> {
  if (phase.warmupSeconds > 0) {
    await phase.beforeEachRun?.();
    await run(phase, phase.warmupSeconds);
  }
  await phase.beforeEachRun?.();
  const stopTracking = phase.trackPeakRss();
  const cpuBefore = await phase.cpuMs();
  const result = await run(phase, phase.durationSeconds);
  const cpuAfter = await phase.cpuMs();
  const peakRssBytes = await stopTracking();
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    totalRequests: result.requests.total,
    peakRssBytes,
    cpuMsPerRequest: result.requests.total > 0 ? (cpuAfter - cpuBefore) / result.requests.total : Number.NaN,
  };
}
