/**
 * Runs a server under test as a child process (so the load generator does not share its
 * event loop or CPU accounting), measures the time from spawn to the first successful
 * answer on its readiness URL, and samples its memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ServerProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** URL polled until it answers 2xx. */
  readonly readyUrl: string;
  /** @default 30_000 */
  readonly readyTimeoutMs?: number;
  /** File that receives the child's stdout and stderr (its logs), written by the child itself. */
  readonly logPath: string;
}

export interface ServerProcess {
  readonly pid: number;
  /** Milliseconds from spawn to the first 2xx on readyUrl. */
  readonly startupMs: number;
  /** Current resident set size in bytes (VmRSS). */
  rss(): Promise<number>;
  /** CPU time (user + system) used so far, in milliseconds. */
  cpuMs(): Promise<number>;
  /** Starts tracking the highest VmRSS seen from now on; returns a function that stops and reports it. */
  trackPeakRss(intervalMs?: number): () => Promise<number>;
  stop(): Promise<void>;
}

/** Reads one `kB` field (VmRSS, VmHWM) of /proc/<pid>/status, in bytes. */
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on every Linux we run on. */
const USER_HZ = 100;

/** User + system CPU time the process has used, in milliseconds (fields 14 and 15 of /proc/<pid>/stat). */
export function parseProcStatCpuMs(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: split after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error('unexpected /proc/<pid>/stat format');
  return ((user + system) * 1000) / USER_HZ;
}

export async function procCpuMs(pid: number): Promise<number> {
  return parseProcStatCpuMs(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

export async function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return parseProcStatusField(status, field);
}

export function parseProcStatusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (match?.[1] === undefined) throw new Error(`${field} not found in /proc status`);
  return Number(match[1]) * 1024;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    // Short polls: the start-up time is measured to this resolution.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not ready on ${url} within ${timeoutMs} ms`);
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const started = performance.now();
  // The child writes its logs to the file directly: the bench process (which runs the load
  // generator) never spends CPU draining them.
  const log = openSync(options.logPath, 'a');
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    // One api process, whatever the caller's shell exports: the baseline is one process, and the CPU
    // and memory read from /proc/<pid> would miss cluster workers (docs/decisions/0004).
    env: { ...options.env, API_WORKERS: '1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not spawn ${options.command}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitReady(options.readyUrl, child, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${options.name}: ${(error as Error).message}`, { cause: error });
  }
  const startupMs = performance.now() - started;
  return {
    pid,
    startupMs,
    rss: () => procStatusBytes(pid, 'VmRSS'),
    cpuMs: () => procCpuMs(pid),
    trackPeakRss: (intervalMs = 100) => {
      let peak = 0;
      let failed = false;
      const sample = (): void => {
        procStatusBytes(pid, 'VmRSS').then(
          (value) => {
            peak = Math.max(peak, value);
          },
          () => {
            failed = true;
          },
        );
      };
      sample();
      const timer = setInterval(sample, intervalMs);
      return async () => {
        clearInterval(timer);
        // VmHWM is the kernel's own high-water mark since start; polling only bounds it from below.
        // Both are reported per phase as the highest sample, which is what a phase adds.
        const last = await procStatusBytes(pid, 'VmRSS').catch(() => 0);
        if (failed && peak === 0) throw new Error(`${options.name}: could not read /proc/${pid}/status`);
        return Math.max(peak, last);
      };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
