/**
 * Summarises a V8 `.cpuprofile` (from `--cpu-prof`) as self time per package and per
 * function, the quick look before opening it as a flame graph (Chrome DevTools or
 * speedscope):
 *
 *   node tools/bench/src/profile-summary.ts bench-results/prof/CPU.*.cpuprofile [top] [from-ms]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly micros: number;
  readonly share: number;
}

/** Where a frame's code comes from: a package, a file of ours, node internals or V8. */
export function originOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  const ours = /\/(packages|tools)\/([^/]+)\/(?:dist|src)\/(.+)$/.exec(url);
  if (ours !== null) return `${ours[2]}/${ours[3]}`;
  return url;
}

function top(totals: Map<string, number>, all: number, count: number): SelfTime[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, micros, share: all === 0 ? 0 : micros / all }));
}

/** `fromMs` skips the samples of the first milliseconds (e.g. start-up, to look at the load only). */
export function summarise(
  profile: CpuProfile,
  count = 25,
  fromMs = 0,
): { byOrigin: SelfTime[]; byFunction: SelfTime[]; totalMicros: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed < fromMs * 1000) return;
    const frame = nodes.get(id)?.callFrame;
    // Idle time is when the process waited (e.g. while the other server was loaded): not cost.
    if (frame === undefined || frame.functionName === '(idle)') return;
    total += delta;
    const origin = originOf(frame.url);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + delta);
    const name = `${frame.functionName || '(anonymous)'} ${origin}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
  });
  return { byOrigin: top(byOrigin, total, count), byFunction: top(byFunction, total, count), totalMicros: total };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, count, fromMs] = process.argv.slice(2);
  if (path === undefined) {
    console.error('usage: profile-summary <file.cpuprofile> [top] [from-ms]');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const summary = summarise(profile, Number(count ?? 25), Number(fromMs ?? 0));
  const line = (entry: SelfTime): string =>
    `${(entry.share * 100).toFixed(1).padStart(5)}%  ${(entry.micros / 1000).toFixed(0).padStart(7)} ms  ${entry.name}`;
  console.log(`busy (non-idle) time sampled: ${(summary.totalMicros / 1000).toFixed(0)} ms\n\nself time by origin:`);
  for (const entry of summary.byOrigin) console.log(line(entry));
  console.log('\nself time by function:');
  for (const entry of summary.byFunction) console.log(line(entry));
}
