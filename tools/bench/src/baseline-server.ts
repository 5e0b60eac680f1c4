/**
 * The baseline: plain Fastify + `pg`, no ORM, no auth, no schemas, no plugins. It serves
 * the benchmarked routes with the same statements the api sends (baseline-sql.ts), in the
 * same order, as the fixed user BENCH_USER_ID, and answers the same JSON and ETag.
 *
 *   DATABASE_URL=... BENCH_USER_ID=... PORT=... node src/baseline-server.ts
 */
import Fastify, { type FastifyReply } from 'fastify';
import pg from 'pg';
import {
  INSERT_TASK,
  SELECT_PROJECT_ACCESS,
  SELECT_TASK_ACCESS,
  SELECT_TASK_PAGE,
  UPDATE_TASK,
} from './baseline-sql.ts';
import { uuidv7 } from './uuidv7.ts';

interface TaskRow {
  id: string;
  project_id: string;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assignee_id: string | null;
  due_date: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface TaskBody {
  title: string;
  description?: string | null;
  status?: string;
  priority?: string;
  assigneeId?: string | null;
  dueDate?: string | null;
}

// DATE columns as their 'YYYY-MM-DD' text: what the api returns, without a timezone detour.
pg.types.setTypeParser(1082, (value) => value);

const databaseUrl = process.env.DATABASE_URL ?? '';
const userId = process.env.BENCH_USER_ID ?? '';
if (!databaseUrl || !userId) {
  console.error('baseline: DATABASE_URL and BENCH_USER_ID are required');
  process.exit(78);
}

// The api's pool settings (src/db/credential-pool.ts), so both hold the same connections.
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  statement_timeout: 15_000,
});

/** A task as the access statements return it: camelCase aliases (`projectId` …), plus the caller's role. */
interface AccessTaskRow {
  id: string;
  projectId: string;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assigneeId: string | null;
  dueDate: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  role: string | null;
}

const accessTaskDto = ({ role: _role, ...task }: AccessTaskRow) => ({
  ...task,
  createdAt: task.createdAt.toISOString(),
  updatedAt: task.updatedAt.toISOString(),
});

const taskDto = (row: TaskRow) => ({
  id: row.id,
  projectId: row.project_id,
  title: row.title,
  description: row.description,
  status: row.status,
  priority: row.priority,
  assigneeId: row.assignee_id,
  dueDate: row.due_date,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

class Status extends Error {
  readonly status: number;
  constructor(status: number) {
    super(String(status));
    this.status = status;
  }
}

/** The api's loadProjectAccess: one statement; returns the caller's role. */
async function access(projectId: string): Promise<string> {
  const result = await pool.query<{ role: string | null }>(SELECT_PROJECT_ACCESS, [userId, projectId, false]);
  const role = result.rows[0]?.role;
  if (role === undefined || role === null) throw new Status(404);
  return role;
}

/** The api's loadTaskAccess: the task and the caller's role in one statement. */
async function loadTask(taskId: string): Promise<AccessTaskRow> {
  const result = await pool.query<AccessTaskRow>(SELECT_TASK_ACCESS, [userId, taskId, false]);
  const task = result.rows[0];
  if (task === undefined || task.role === null) throw new Status(404);
  return task;
}

const versioned = (reply: FastifyReply, task: TaskRow, status = 200) =>
  reply.code(status).header('etag', `"${task.version}"`).send(taskDto(task));

const app = Fastify({ logger: false });

app.setErrorHandler((error, _request, reply) => {
  const status = error instanceof Status ? error.status : 500;
  if (status === 500) console.error(error);
  return reply.code(status).send({ status });
});

app.get('/health/ready', async () => {
  await pool.query('SELECT 1');
  return { status: 'ok' };
});

app.get<{ Params: { projectId: string }; Querystring: { limit?: string } }>(
  '/v1/projects/:projectId/tasks',
  async (request) => {
    const { projectId } = request.params;
    const limit = Number(request.query.limit ?? 20);
    // The api's loadTaskPage: the access check and the page in one statement.
    const result = await pool.query<AccessTaskRow>(SELECT_TASK_PAGE, [userId, false, limit + 1, projectId]);
    if (result.rows[0] === undefined || result.rows[0].role === null) throw new Status(404);
    const rows = result.rows.filter((row) => row.id !== null);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(accessTaskDto),
      nextCursor:
        rows.length > limit && last !== undefined
          ? Buffer.from(JSON.stringify({ after: last.id }), 'utf8').toString('base64url')
          : null,
    };
  },
);

app.get<{ Params: { taskId: string } }>('/v1/tasks/:taskId', async (request, reply) => {
  const task = await loadTask(request.params.taskId);
  return reply.header('etag', `"${task.version}"`).send(accessTaskDto(task));
});

app.post<{ Params: { projectId: string }; Body: TaskBody }>('/v1/projects/:projectId/tasks', async (request, reply) => {
  const { projectId } = request.params;
  const body = request.body;
  await access(projectId);
  const now = new Date();
  const result = await pool.query<TaskRow>(INSERT_TASK, [
    uuidv7(),
    projectId,
    body.title,
    body.description ?? null,
    body.status ?? 'todo',
    body.priority ?? 'medium',
    body.assigneeId ?? null,
    body.dueDate ?? null,
    1,
    now,
    now,
  ]);
  const task = result.rows[0] as TaskRow;
  reply.header('location', `/v1/tasks/${task.id}`);
  return versioned(reply, task, 201);
});

app.put<{ Params: { taskId: string }; Body: TaskBody }>('/v1/tasks/:taskId', async (request, reply) => {
  const { taskId } = request.params;
  const body = request.body;
  const match = /^"(\d{1,9})"$/.exec(String(request.headers['if-match'] ?? ''));
  if (match?.[1] === undefined) throw new Status(412);
  const version = Number(match[1]);
  const task = await loadTask(taskId);
  if (task.version !== version) throw new Status(412);
  const updated = await pool.query(UPDATE_TASK, [
    body.title,
    body.description ?? null,
    body.status ?? 'todo',
    body.priority ?? 'medium',
    body.assigneeId ?? null,
    body.dueDate ?? null,
    1,
    new Date(),
    taskId,
    version,
  ]);
  if (updated.rowCount === 0) throw new Status(412);
  return versioned(reply, updated.rows[0] as TaskRow);
});

const shutdown = (): void => {
  app.close().then(
    () => pool.end().then(() => process.exit(0)),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
