/**
 * Loaded into an api process to see where its memory goes, phase by phase:
 *
 *   BENCH_API_NODE_FLAGS="--import=$PWD/tools/bench/src/memory-sampler.ts" npm run bench
 *
 * Appends JSON lines to `$BENCH_SAMPLER_DIR/mem-<pid>*.jsonl` (default: the system's temp folder):
 * every second `process.memoryUsage()` and V8's heap spaces (committed / used MB), every GC with its
 * pause and kind (`.gc.jsonl`; kind 1 is a scavenge), and every 5 s the resident memory of
 * `/proc/self/smaps` by kind of mapping (`.smaps.jsonl`). Match the timestamps with the bench's phases.
 * Nothing here runs in production; the cost is one file append per GC and a /proc read every 5 s.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const MB = 1_048_576;
const base = join(process.env.BENCH_SAMPLER_DIR ?? tmpdir(), `mem-${process.pid}`);
const mb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    const line = { t: Math.round(performance.timeOrigin + entry.startTime), ms: entry.duration, kind };
    appendFileSync(`${base}.gc.jsonl`, `${JSON.stringify(line)}\n`);
  }
}).observe({ entryTypes: ['gc'] });

setInterval(() => {
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics()
      .filter((space) => space.space_size > 0)
      .map((space) => [space.space_name, [mb(space.space_size), mb(space.space_used_size)]]),
  );
  const line = {
    t: Date.now(),
    rss: mb(usage.rss),
    heapTotal: mb(usage.heapTotal),
    heapUsed: mb(usage.heapUsed),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
    spaces,
  };
  appendFileSync(`${base}.jsonl`, `${JSON.stringify(line)}\n`);
}, 1_000).unref();

/**
 * Resident MB by kind of mapping: the node binary's file pages, V8's heap pages (anonymous mappings
 * under 1 MB), larger anonymous mappings (malloc arenas of threads, wasm), malloc's main heap, libraries.
 */
function residentByKind(): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind: string | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const [, start = '0', end = '0', path = ''] = head;
      const size = parseInt(end, 16) - parseInt(start, 16);
      if (path === '') kind = size >= MB ? 'anon>=1M' : 'anon<1M';
      else if (path === process.execPath) kind = 'node-binary';
      else if (path.startsWith('[')) kind = path;
      else kind = path.includes('.so') ? 'libs' : 'other-file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss?.[1] !== undefined && kind !== undefined) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(kinds).map(([name, value]) => [name, Math.round(value * 10) / 10]));
}

setInterval(() => {
  appendFileSync(`${base}.smaps.jsonl`, `${JSON.stringify({ t: Date.now(), ...residentByKind() })}\n`);
}, 5_000).unref();
