/**
 * `npm run bench:sampled`: what the sampled requests of a 5 % trace sample cost the api, measured
 * within the same two processes (sampled-phases.ts says how and why). Both run the api artifact as an
 * instance does, with metrics and traces exported to local sinks and OTEL_TRACES_SAMPLER_ARG=0, so a
 * request is sampled only when it carries a sampled `traceparent`. The cost of the instrumentation
 * that runs for every request is not in this figure: `npm run bench`'s cost of watching has it
 * (BENCH_WATCH_SAMPLER_RATIO=0.000001 samples nothing).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@taskboard/local-stack';
import { apiEnvironment } from './api-environment.ts';
import { runOpenLoop } from './open-loop.ts';
import { productionNodeOptions } from './production-flags.ts';
import {
  mixCostByCouple,
  mixes,
  parseTaskStat,
  sampledPhasesOptions,
  sampledTraceparent,
  threadCpuPerRequest,
  type PhaseReading,
} from './sampled-phases.ts';
import { seed } from './seed.ts';
import { procCpuMs, startServerProcess, type ServerProcess } from './server-process.ts';
import { startStack } from './stack.ts';
import { meanInterval95 } from './stats.ts';
import { startEmfSink, startOtlpSink } from './telemetry-sinks.ts';
import { instrumentationEnv } from './watching.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACT = join(ROOT, 'packages/api/dist/artifact');
const RESULTS = join(ROOT, 'bench-results');
const options = sampledPhasesOptions(process.env);

function log(message: string): void {
  console.error(`# ${message}`);
}

/** CPU ms by thread: the serving thread as `main`, the others by name, same-named ones added up. */
async function threadCpuMs(pid: number): Promise<Map<string, number>> {
  const cpuMs = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const thread = parseTaskStat(stat);
    const name = tid === String(pid) ? 'main' : thread.name;
    cpuMs.set(name, (cpuMs.get(name) ?? 0) + thread.cpuMs);
  }
  return cpuMs;
}

interface Boundary {
  readonly cpuMs: number;
  readonly threads: Map<string, number>;
}

async function main(): Promise<void> {
  if (!(await readdir(ARTIFACT).catch(() => undefined))) {
    throw new Error(`no api artifact in ${ARTIFACT}: npm run bundle -w @taskboard/api`);
  }
  await mkdir(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  log('starting PostgreSQL and the Cognito emulator, seeding');
  const stack = await startStack();
  const emf = await startEmfSink();
  const otlp = await startOtlpSink();
  const servers: ServerProcess[] = [];
  try {
    const data = await seed({
      databaseUrl: stack.databaseUrl,
      userId: stack.userId,
      email: stack.email,
      tasks: 1_000,
      otherProjects: 10,
    });
    const nodeOptions = await productionNodeOptions();
    const path = `/v1/tasks/${data.readTaskId}`;
    const couples: number[] = [];
    for (let pair = 0; pair < options.pairs; pair += 1) {
      const processes: { server: ServerProcess; port: number }[] = [];
      for (const index of [0, 1]) {
        const port = await freePort();
        const server = await startServerProcess({
          name: `api-sampled-${pair + 1}-${index}`,
          command: process.execPath,
          args: ['server.js'],
          cwd: ARTIFACT,
          env: {
            ...apiEnvironment(stack, port, { nodeOptions }),
            ...instrumentationEnv('on', { emf: emf.endpoint, otlp: otlp.endpoint }, 0, 5),
          },
          readyUrl: `http://127.0.0.1:${port}/health/ready`,
          logPath: join(RESULTS, `api-sampled-${pair + 1}-${index}-${stamp}.log`),
        });
        servers.push(server);
        processes.push({ server, port });
      }
      log(
        `pair ${pair + 1}/${options.pairs}: ${options.rate} req/s each, ${options.warmupSeconds} s warm-up, ` +
          `${options.phases} phases of ${options.phaseSeconds} s (1 in ${options.every} sampled while mixing)`,
      );
      const firstPhaseAt = performance.now() + options.warmupSeconds * 1_000;
      const phaseAt = (now: number): number =>
        now < firstPhaseAt ? -1 : Math.floor((now - firstPhaseAt) / (options.phaseSeconds * 1_000));
      const answered = [0, 1].map(() => new Array<number>(options.phases).fill(0));
      let refused = 0;
      const loads = processes.map(({ port }, index) => {
        let sent = 0;
        return runOpenLoop({
          url: `http://127.0.0.1:${port}`,
          rate: options.rate,
          durationSeconds: options.warmupSeconds + options.phaseSeconds * options.phases,
          headers: { authorization: `Bearer ${stack.accessToken}` },
          next: () => {
            const phase = phaseAt(performance.now());
            sent += 1;
            const mixing = phase < 0 || mixes(index as 0 | 1, phase, pair);
            const sampled = mixing && sent % options.every === 0;
            const headers: Record<string, string> = sampled ? { traceparent: sampledTraceparent() } : {};
            return {
              method: 'GET',
              path,
              headers,
              done: (status) => {
                if (phase < 0 || phase >= options.phases) return;
                const counts = answered[index] as number[];
                if (status === 200) counts[phase] = (counts[phase] ?? 0) + 1;
                else refused += 1;
              },
            };
          },
        });
      });
      const boundaries: Boundary[][] = [[], []];
      for (let phase = 0; phase <= options.phases; phase += 1) {
        const at = firstPhaseAt + phase * options.phaseSeconds * 1_000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
        for (const [index, { server }] of processes.entries()) {
          boundaries[index]?.push({ cpuMs: await procCpuMs(server.pid), threads: await threadCpuMs(server.pid) });
        }
      }
      await Promise.all(loads);
      for (const { server } of processes) await server.stop();
      // A cold process may shed some of the warm-up's requests (503, overload.ts); none counted may fail.
      if (refused > 0) throw new Error(`pair ${pair + 1}: ${refused} requests in the phases failed or were not 200`);

      const readings = [0, 1].map((index) =>
        Array.from({ length: options.phases }, (_, phase): PhaseReading => {
          const marks = boundaries[index] as Boundary[];
          return {
            cpuMs: (marks[phase + 1] as Boundary).cpuMs - (marks[phase] as Boundary).cpuMs,
            requests: (answered[index] as number[])[phase] as number,
          };
        }),
      ) as [PhaseReading[], PhaseReading[]];
      const pairCouples = mixCostByCouple(readings, pair);
      couples.push(...pairCouples);
      console.log(
        `pair ${pair + 1}: CPU per request mixing/not, by couple of phases: ${pairCouples.map((value) => value.toFixed(3)).join(', ')}`,
      );
      for (const index of [0, 1] as const) {
        const marks = (boundaries[index] as Boundary[]).map((boundary) => boundary.threads);
        const byThread = threadCpuPerRequest(marks, readings[index], (phase) => mixes(index, phase, pair));
        console.log(
          `  process ${index}, CPU µs per request by thread, mixing / not: ` +
            [...byThread.mix.keys()]
              .map((name) => `${name} ${byThread.mix.get(name)?.toFixed(1)} / ${byThread.none.get(name)?.toFixed(1)}`)
              .join('; '),
        );
      }
    }
    const estimate = meanInterval95(couples);
    const otlpCounts = otlp.counts();
    console.log(
      estimate === null
        ? 'too few phases for an estimate'
        : `sampled 1 in ${options.every}: CPU per request ${estimate.mean.toFixed(4)} of not sampling ` +
            `(95 % interval ${(estimate.mean - estimate.halfWidth).toFixed(4)}–${(estimate.mean + estimate.halfWidth).toFixed(4)}, ` +
            `${estimate.count} couples of phases); ${otlpCounts.spans} spans in ${otlpCounts.requests} OTLP exports received`,
    );
  } finally {
    for (const server of servers) await server.stop();
    await emf.close();
    await otlp.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error('bench:sampled failed:', error);
  process.exitCode = 1;
});
