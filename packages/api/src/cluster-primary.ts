/**
 * The node:cluster primary that API_WORKERS > 1 turns the process into (docs/decisions/0004).
 * It serves nothing itself: it forks the workers, which share the listening port, restarts one
 * that crashes (with a backoff, and gives up on a crash loop so systemd restarts the unit), and
 * on SIGTERM/SIGINT tells every worker to drain at once and exits when the last one is gone:
 * 0 when all stopped cleanly, 1 when one did not (or did not in time), 78 when a worker found a
 * configuration error, so systemd's RestartPreventExitStatus=78 still applies.
 */
import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';

/** The message a worker drains on, as if it had received SIGTERM itself. */
export const DRAIN_MESSAGE = 'taskboard:drain';
/** What a worker sends when its /health/serving start-up gate opens. */
export const STARTED_MESSAGE = 'taskboard:started';
/**
 * Set ('1') in the environment of a worker forked after some worker's gate opened: the instance has
 * proven it can serve, so the replacement opens its gate at once. Otherwise a worker restarted during
 * a database outage would fail the load balancer's checks that land on it, and could get the
 * instance replaced for an outage (the gate exists to never do that).
 */
export const STARTED_ENV = 'TASKBOARD_SERVING_STARTED';
export const EX_CONFIG = 78;

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more crash is a crash loop and stops the primary. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Delay before the first restart; doubles with each crash still inside the window. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialBackoffMs: 500,
  maxBackoffMs: 8_000,
};

/**
 * How long to wait before replacing a worker that crashed at `now` (`crashes` holds every crash
 * time, this one included), or undefined when the crashes inside the window exceed the policy.
 */
export function restartDelay(crashes: readonly number[], now: number, policy: RestartPolicy): number | undefined {
  const recent = crashes.filter((at) => now - at < policy.windowMs).length;
  if (recent > policy.maxRestarts) return undefined;
  return Math.min(policy.initialBackoffMs * 2 ** Math.max(0, recent - 1), policy.maxBackoffMs);
}

export interface PrimaryOptions {
  readonly workers: number;
  /** The workers' DRAIN_WINDOW_MS and SHUTDOWN_DEADLINE_MS: after both plus `stopGraceMs`, a worker still running is killed. */
  readonly drainWindowMs: number;
  readonly shutdownDeadlineMs: number;
  /** @default 2000 (the unit's TimeoutStopSec leaves 5 s past window + deadline) */
  readonly stopGraceMs?: number;
  /** @default DEFAULT_RESTART_POLICY */
  readonly restart?: RestartPolicy;
}

type Level = 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { info: 30, warn: 40, error: 50 };

/** One pino-shaped JSON line, so the primary's lines sit in the same log as the workers' and parse alike. */
function log(level: Level, fields: Record<string, unknown>, msg: string): void {
  const line = {
    level: LEVELS[level],
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    role: 'primary',
    ...fields,
    msg,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function runPrimary(options: PrimaryOptions): void {
  const policy = options.restart ?? DEFAULT_RESTART_POLICY;
  const live = new Set<Worker>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  const crashes: number[] = [];
  let stopping = false;
  let signalled = false;
  let exitCode = 0;
  let instanceStarted = false;

  const fork = (): void => {
    const worker = cluster.fork(instanceStarted ? { [STARTED_ENV]: '1' } : {});
    worker.on('message', (message) => {
      if (message === STARTED_MESSAGE) instanceStarted = true;
    });
    // A worker's process errors (a failed kill, a write to its channel after it died) reach the
    // primary as 'error' events; unheard, one would crash the primary with 1 and lose the exit code
    // the workers' exits decide. The worker's exit, which always follows, is what acts on it.
    worker.on('error', (error: NodeJS.ErrnoException) => {
      log('warn', { workerPid: worker.process.pid, err: error.message, errCode: error.code }, 'worker process error');
    });
    live.add(worker);
  };

  const finishIfDone = (): void => {
    if (stopping && live.size === 0) {
      log(exitCode === 0 ? 'info' : 'error', { exitCode }, 'all workers stopped: exiting');
      process.exit(exitCode);
    }
  };

  const fail = (code: number): void => {
    if (exitCode === 0) exitCode = code;
  };

  const beginStop = (reason: string, code: number): void => {
    fail(code);
    if (stopping) return;
    stopping = true;
    for (const timer of pendingRestarts) clearTimeout(timer);
    pendingRestarts.clear();
    log('info', { reason, workers: live.size }, 'draining: telling every worker to drain');
    for (const worker of live) {
      // A worker whose channel is already closed is exiting anyway; its exit is awaited the same way.
      // One can also die after isConnected() last saw it (its exit and channel close not yet read):
      // the send then fails with EPIPE, reported through the 'error' listener fork() adds.
      if (worker.isConnected()) worker.send(DRAIN_MESSAGE);
    }
    const limitMs = options.drainWindowMs + options.shutdownDeadlineMs + (options.stopGraceMs ?? 2_000);
    setTimeout(() => {
      log(
        'error',
        { reason: 'deadline', limitMs, pids: [...live].map((worker) => worker.process.pid) },
        'workers still running past the drain window and deadline: killing them',
      );
      for (const worker of live) worker.process.kill('SIGKILL');
      // A configuration error stays 78 (systemd must not restart into it); anything else is 1.
      process.exit(exitCode === 0 ? 1 : exitCode);
    }, limitMs).unref();
    finishIfDone();
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    const pid = worker.process.pid;
    if (stopping) {
      if (code !== 0) {
        log('error', { workerPid: pid, code, signal }, 'worker did not stop cleanly');
        fail(code === EX_CONFIG ? EX_CONFIG : 1);
      }
      finishIfDone();
      return;
    }
    if (code === EX_CONFIG) {
      log('error', { workerPid: pid, code }, 'worker stopped on a configuration error: stopping');
      beginStop('configuration error', EX_CONFIG);
      return;
    }
    const now = Date.now();
    crashes.push(now);
    const delay = restartDelay(crashes, now, policy);
    if (delay === undefined) {
      log(
        'error',
        {
          workerPid: pid,
          code,
          signal,
          reason: 'crash loop',
          maxRestarts: policy.maxRestarts,
          windowMs: policy.windowMs,
        },
        'workers keep crashing: stopping so the service manager restarts the api',
      );
      beginStop('crash loop', 1);
      return;
    }
    log('warn', { workerPid: pid, code, signal, restartInMs: delay }, 'worker exited unexpectedly: restarting it');
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      fork();
    }, delay);
    pendingRestarts.add(timer);
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log('warn', { signal, reason: 'second signal' }, 'second signal during shutdown: exiting now');
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    signalled = true;
    beginStop(signal, 0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log('info', { workers: options.workers }, 'starting workers');
  for (let i = 0; i < options.workers; i++) fork();
}
