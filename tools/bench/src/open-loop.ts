/**
 * Open-loop load: requests go out on a fixed schedule (rate per second), whether or not
 * earlier ones have been answered, and each one's latency is measured from its *intended*
 * send time. That is how users load a service, and it avoids coordinated omission: when the
 * server (or this process) stalls, the requests that should have been sent meanwhile are sent
 * late and their latency includes the wait, instead of never being sent.
 *
 * autocannon is not used for this phase: with `overallRate` each connection still waits for
 * its response before sending the next request (closed loop per connection), the per-second
 * budget is spent in a burst at the start of each second, and its coordinated-omission
 * correction passes `Math.ceil(1 / rate)` (always 1 ms) as the expected interval
 * (autocannon 8.0.0 lib/run.js). See docs/benchmarks.md.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { dueCount, intendedSendMs, percentile, type OpenLoopNumbers } from './stats.ts';

/** One request to send; `done` sees the answer (e.g. to return a task to a free list). */
export interface PlannedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly done?: (status: number, headers: IncomingHttpHeaders) => void;
}

export interface OpenLoopRun {
  readonly url: string;
  readonly rate: number;
  readonly durationSeconds: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly next: () => PlannedRequest;
  /** A request not answered within this long counts as an error. @default 10_000 */
  readonly timeoutMs?: number;
}

export interface OpenLoopSamples {
  readonly sent: number;
  readonly completed: number;
  /** Milliseconds from intended send time to the end of the response, per answered request. */
  readonly latenciesMs: readonly number[];
  /** Milliseconds the generator sent each request after its intended time. */
  readonly sendLagsMs: readonly number[];
  readonly errors: number;
  readonly non2xx: number;
}

/** Sends `rate × durationSeconds` requests on schedule and waits for their answers (or timeouts). */
export async function runOpenLoop(run: OpenLoopRun): Promise<OpenLoopSamples> {
  const target = new URL(run.url);
  const timeoutMs = run.timeoutMs ?? 10_000;
  const total = Math.max(1, Math.round(run.rate * run.durationSeconds));
  // Keep-alive connections, as many as the schedule needs: a slow answer never holds back the next send.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const latenciesMs: number[] = [];
  const sendLagsMs: number[] = [];
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  let settled = 0;
  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => (finish = resolve));
  const settle = (): void => {
    settled += 1;
    if (settled === total) finish();
  };

  const send = (intendedAt: number): void => {
    const planned = run.next();
    sendLagsMs.push(performance.now() - intendedAt);
    sent += 1;
    const body = planned.body;
    let answered = false;
    const req = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: planned.method,
        path: planned.path,
        headers: {
          ...run.headers,
          ...planned.headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          answered = true;
          latenciesMs.push(performance.now() - intendedAt);
          completed += 1;
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) non2xx += 1;
          planned.done?.(status, res.headers);
          settle();
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => {
      if (answered) return;
      answered = true;
      errors += 1;
      planned.done?.(0, {});
      settle();
    });
    req.end(body);
  };

  const start = performance.now();
  let index = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, dueCount(performance.now() - start, run.rate));
      while (index < due) {
        send(start + intendedSendMs(index, run.rate));
        index += 1;
      }
      if (index >= total) resolve();
      else setTimeout(tick, Math.max(0, start + intendedSendMs(index, run.rate) - performance.now()));
    };
    tick();
  });
  const deadline = setTimeout(finish, timeoutMs + 1_000);
  await allSettled;
  clearTimeout(deadline);
  agent.destroy();
  return { sent, completed, latenciesMs, sendLagsMs, errors, non2xx };
}

export interface OpenLoopPhase extends OpenLoopRun {
  readonly warmupSeconds: number;
  readonly trackPeakRss: () => () => Promise<number>;
  readonly cpuMs: () => Promise<number>;
  /** Runs before the warm-up and before the measured run (e.g. to resynchronise task versions). */
  readonly beforeEachRun?: () => Promise<void>;
}

/** Summarises one measured open-loop run; pure, tested in test/open-loop.test.ts. */
export function openLoopNumbers(
  rate: number,
  samples: OpenLoopSamples,
  cpuMs: number,
  peakRssBytes: number,
): OpenLoopNumbers {
  return {
    rate,
    sent: samples.sent,
    completed: samples.completed,
    latencyP50Ms: percentile(samples.latenciesMs, 50),
    latencyP99Ms: percentile(samples.latenciesMs, 99),
    errors: samples.errors,
    non2xx: samples.non2xx,
    peakRssBytes,
    cpuMsPerRequest: samples.completed > 0 ? cpuMs / samples.completed : Number.NaN,
    sendLagP99Ms: percentile(samples.sendLagsMs, 99),
  };
}

/** A warm-up at the same rate (dropped), then the measured run with the server's CPU and peak RSS. */
export async function openLoopPhase(phase: OpenLoopPhase): Promise<OpenLoopNumbers> {
  if (phase.warmupSeconds > 0) {
    await phase.beforeEachRun?.();
    await runOpenLoop({ ...phase, durationSeconds: phase.warmupSeconds });
  }
  await phase.beforeEachRun?.();
  const stopTracking = phase.trackPeakRss();
  const cpuBefore = await phase.cpuMs();
  const samples = await runOpenLoop(phase);
  const cpuAfter = await phase.cpuMs();
  const peakRssBytes = await stopTracking();
  return openLoopNumbers(phase.rate, samples, cpuAfter - cpuBefore, peakRssBytes);
}
