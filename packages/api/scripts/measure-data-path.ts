/**
 * Figures for docs/reliability.md ("404 timing") and docs/benchmarks.md (query builder vs raw SQL),
 * measured in-process through app.inject (no network noise) on the local stack:
 *
 *   cd packages/api && npx with-local-stack node scripts/measure-data-path.ts [requests] [cpu]
 *
 * 1. The 404 of a project or task that exists but the caller cannot see, against the 404 of one that
 *    does not exist: `requests` of each (default 2000), interleaved, after a warm-up; median and p99.
 * 2. CPU (this process only: PostgreSQL runs in its own) per call of one task read with the access
 *    check: the previous three query-builder statements, one query-builder statement (relation
 *    filter, no role), and the one statement access.ts sends.
 * 3. CPU per call of that same statement (what tools/bench/src/baseline-sql.ts sends too) four ways:
 *    `$queryRaw` (tagged template), Prisma's TypedSQL (`$queryRawTyped`, the factory `prisma generate
 *    --sql` emits), the driver adapter Prisma uses (@prisma/adapter-pg `queryRaw`) and the pg pool
 *    under it; and the If-Match UPDATE of a task through the query builder and through the pool.
 */
import { randomUUID } from 'node:crypto';
import { createProject, createTask } from '../test/helpers/projects.ts';
import { buildTestApp, signedIn, testStack } from '../test/helpers/stack.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import { makeTypedQueryFactory } from '@prisma/client/runtime/client';
import { Prisma } from '../src/generated/prisma/client.ts';
import * as access from '../src/services/access.ts';
import { SELECT_TASK_ACCESS } from '../src/services/access.ts';
import { UPDATE_TASK_IF_VERSION as UPDATE_TASK } from '../src/services/tasks.ts';

const requests = Number(process.argv[2] ?? 2000);
const cleanups: (() => unknown)[] = [];
const t = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `median ${(at(0.5) * 1000).toFixed(0)} µs, p99 ${(at(0.99) * 1000).toFixed(0)} µs (n=${sorted.length})`;
}

try {
  // Far above what this sends, so no answer is a 429.
  const app = await buildTestApp(t, { rateLimit: { max: 10_000_000, windowMs: 60_000 } });
  const { alice, carol } = await signedIn(app, 'alice', 'carol');
  const { id: projectId } = await createProject(app, alice, { name: 'p' });
  const { id: taskId } = await createTask(app, alice, projectId, { title: 't' });
  // Some rows around them, so the indexes are not trivially small.
  for (let index = 0; index < 50; index++) await createTask(app, alice, projectId, { title: `${index}` });
  const missing = () => `0${randomUUID().slice(1, 14)}7${randomUUID().slice(15)}`;

  // `… 2000 cpu` measures the CPU per call alone (section 2 and 3).
  for (const { what, hidden, absent } of process.argv[3] === 'cpu'
    ? []
    : [
        { what: 'project', hidden: () => `/v1/projects/${projectId}`, absent: () => `/v1/projects/${missing()}` },
        { what: 'task', hidden: () => `/v1/tasks/${taskId}`, absent: () => `/v1/tasks/${missing()}` },
        {
          what: 'task page',
          hidden: () => `/v1/projects/${projectId}/tasks`,
          absent: () => `/v1/projects/${missing()}/tasks`,
        },
      ]) {
    const samples: Record<'hidden' | 'absent', number[]> = { hidden: [], absent: [] };
    for (let index = 0; index < requests + 200; index++) {
      for (const kind of index % 2 === 0 ? (['hidden', 'absent'] as const) : (['absent', 'hidden'] as const)) {
        const url = kind === 'hidden' ? hidden() : absent();
        const started = performance.now();
        const response = await app.inject({ method: 'GET', url, headers: carol });
        const elapsed = performance.now() - started;
        if (response.statusCode !== 404) throw new Error(`${url}: ${response.statusCode}`);
        if (index >= 200) samples[kind].push(elapsed);
      }
    }
    console.log(`404 ${what}, exists but not a member: ${summary(samples.hidden)}`);
    console.log(`404 ${what}, does not exist:          ${summary(samples.absent)}`);
  }

  const principal = { userId: 'unused', issuer: '', email: null, groups: [], isAdmin: false };
  const { users } = testStack();
  const member = { ...principal, userId: users.alice.sub };
  const ways: { readonly name: string; readonly call: () => Promise<unknown> }[] = [
    {
      name: 'previous: 3 query-builder statements',
      call: async () => {
        const row = await app.prisma.task.findUnique({ where: { id: taskId } });
        await app.prisma.project.findUnique({
          where: { id: row?.projectId ?? '' },
          include: { members: { where: { userId: member.userId }, select: { role: true } } },
        });
      },
    },
    {
      name: 'one query-builder statement (relation filter, no role)',
      call: () =>
        app.prisma.task.findFirst({ where: { id: taskId, project: { members: { some: { userId: member.userId } } } } }),
    },
  ];
  // Absent before the round-trip change; the script also measures that code's 404s.
  if ('loadTaskAccess' in access) {
    const { loadTaskAccess } = access;
    ways.push(
      {
        name: 'access.ts loadTaskAccess through the Prisma client',
        call: () => loadTaskAccess(app.prisma, member, taskId),
      },
      {
        name: 'access.ts loadTaskAccess on the pool (the hot path)',
        call: () => loadTaskAccess(app.database.pool, member, taskId),
      },
    );
  }
  const pool = app.database.pool;
  const adapter = await new PrismaPg(pool).connect();
  const typedTaskAccess = makeTypedQueryFactory(SELECT_TASK_ACCESS);
  // The runtime has it; the generated client declares and allows it only with the typedSql preview
  // feature, whose `prisma generate --sql` needs a database at generate time. For this measurement
  // the flag is set on this client alone: the call then goes through the same path as generated code.
  const typedClient = app.prisma as unknown as {
    $queryRawTyped(query: unknown): Promise<unknown>;
    _engineConfig: { previewFeatures?: string[] };
  };
  typedClient._engineConfig.previewFeatures = [...(typedClient._engineConfig.previewFeatures ?? []), 'typedSql'];
  const text = { scalarType: 'string', arity: 'scalar' } as const;
  const bool = { scalarType: 'boolean', arity: 'scalar' } as const;
  let version = (await app.prisma.task.findUniqueOrThrow({ where: { id: taskId } })).version;
  ways.push(
    {
      name: 'same SELECT, $queryRaw (Prisma.sql, no oneLine)',
      call: () =>
        app.prisma.$queryRaw(new Prisma.Sql(SELECT_TASK_ACCESS.split(/\$\d+/), [member.userId, taskId, false])),
    },
    {
      name: 'same SELECT, $queryRawTyped (TypedSQL)',
      call: () => typedClient.$queryRawTyped(typedTaskAccess(member.userId, taskId, false)),
    },
    {
      name: 'same SELECT, adapter-pg queryRaw',
      call: () =>
        adapter.queryRaw({
          sql: SELECT_TASK_ACCESS,
          args: [member.userId, taskId, false],
          argTypes: [text, text, bool],
        }),
    },
    {
      name: 'same SELECT, pg pool.query',
      call: () => pool.query(SELECT_TASK_ACCESS, [member.userId, taskId, false]),
    },
    {
      name: 'UPDATE with version, query builder (task.update)',
      call: async () => {
        const row = await app.prisma.task.update({
          where: { id: taskId, version },
          data: {
            title: 't',
            description: null,
            status: 'todo',
            priority: 'medium',
            assigneeId: null,
            dueDate: null,
            version: { increment: 1 },
          },
        });
        version = row.version;
      },
    },
    {
      name: 'same UPDATE, pg pool.query',
      call: async () => {
        const result = await pool.query<{ version: number }>(UPDATE_TASK, [
          't',
          null,
          'todo',
          'medium',
          null,
          null,
          1,
          new Date(),
          taskId,
          version,
        ]);
        version = result.rows[0]?.version ?? version;
      },
    },
  );
  for (let round = 0; round < 2; round++) {
    for (const { name, call } of ways) {
      for (let index = 0; index < 200; index++) await call();
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let index = 0; index < requests; index++) await call();
      const used = process.cpuUsage(cpu);
      const wall = performance.now() - started;
      if (round === 1) {
        console.log(
          `${name}: ${(((used.user + used.system) / requests) | 0).toString()} µs CPU, ${((wall * 1000) / requests).toFixed(0)} µs wall per call`,
        );
      }
    }
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
