/**
 * Seeds the benchmark data set straight through `pg` (fast, and independent of both
 * servers under test): the bench user owns one project with `tasks` tasks; `otherProjects`
 * projects belong to other users, each with a few tasks, so the indexes hold more than
 * the one project the load reads.
 */
import pg from 'pg';
import { uuidv7 } from './uuidv7.ts';

export interface SeedOptions {
  readonly databaseUrl: string;
  /** The bench user's id: the `sub` of the token the api is called with. */
  readonly userId: string;
  readonly email: string;
  /** @default 10_000 */
  readonly tasks?: number;
  /** @default 100 */
  readonly otherProjects?: number;
  /** Tasks in each other project. @default 10 */
  readonly tasksPerOtherProject?: number;
}

export interface SeededData {
  readonly projectId: string;
  /** A task of the bench project, read by the get-by-id scenario. */
  readonly readTaskId: string;
  /** Tasks of the bench project replaced by the PUT scenario (one per connection). */
  readonly writeTaskIds: readonly string[];
  readonly taskCount: number;
}

const STATUSES = ['todo', 'in_progress', 'done'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
const BATCH = 1_000;

interface TaskSeed {
  readonly id: string;
  readonly projectId: string;
  readonly index: number;
}

async function insertTasks(client: pg.Client, tasks: readonly TaskSeed[]): Promise<void> {
  for (let start = 0; start < tasks.length; start += BATCH) {
    const batch = tasks.slice(start, start + BATCH);
    // unnest() keeps one statement per batch without building thousands of placeholders.
    await client.query(
      `INSERT INTO tasks (id, project_id, title, description, status, priority, due_date)
       SELECT id, project_id, title, description, status::task_status, priority::task_priority, due_date
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[])
         AS t(id, project_id, title, description, status, priority, due_date)`,
      [
        batch.map((task) => task.id),
        batch.map((task) => task.projectId),
        batch.map((task) => `Task ${task.index + 1}`),
        batch.map((task) =>
          task.index % 3 === 0 ? null : `Description of task ${task.index + 1}, seeded for the benchmark.`,
        ),
        batch.map((task) => STATUSES[task.index % STATUSES.length] ?? 'todo'),
        batch.map((task) => PRIORITIES[task.index % PRIORITIES.length] ?? 'medium'),
        batch.map((task) => (task.index % 4 === 0 ? '2027-01-15' : null)),
      ],
    );
  }
}

/** Ascending UUIDv7s for `count` rows: one millisecond apart, as if created over time. */
function idsFrom(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => uuidv7(start + index));
}

export async function seed(options: SeedOptions): Promise<SeededData> {
  const taskCount = options.tasks ?? 10_000;
  const otherProjects = options.otherProjects ?? 100;
  const perOther = options.tasksPerOtherProject ?? 10;
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
      options.userId,
      options.email,
    ]);
    // Ids a day in the past, so rows the load creates sort after every seeded one.
    let clock = Date.now() - 86_400_000;
    const projectId = uuidv7(clock++);
    await client.query('INSERT INTO projects (id, name, owner_id) VALUES ($1, $2, $3)', [
      projectId,
      'Benchmark project',
      options.userId,
    ]);
    await client.query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'owner')", [
      projectId,
      options.userId,
    ]);
    const taskIds = idsFrom(clock, taskCount);
    clock += taskCount;
    await insertTasks(
      client,
      taskIds.map((id, index) => ({ id, projectId, index })),
    );
    const others: TaskSeed[] = [];
    for (let p = 0; p < otherProjects; p++) {
      const ownerId = `bench-other-${p}`;
      const otherId = uuidv7(clock++);
      await client.query('INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
        ownerId,
        `${ownerId}@example.test`,
      ]);
      await client.query('INSERT INTO projects (id, name, owner_id) VALUES ($1, $2, $3)', [
        otherId,
        `Other project ${p + 1}`,
        ownerId,
      ]);
      await client.query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'owner')", [
        otherId,
        ownerId,
      ]);
      for (const [index, id] of idsFrom(clock, perOther).entries()) others.push({ id, projectId: otherId, index });
      clock += perOther;
    }
    await insertTasks(client, others);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return {
      projectId,
      readTaskId: taskIds[Math.floor(taskIds.length / 2)] ?? '',
      writeTaskIds: taskIds.slice(0, 200),
      taskCount,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** The current version of each task (for If-Match), straight from the database. */
export async function taskVersions(databaseUrl: string, ids: readonly string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; version: number }>(
      'SELECT id, version FROM tasks WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  } finally {
    await client.end();
  }
}
