import type { Principal } from '../auth/principal.ts';
import type { PrismaClient, Task as TaskRow } from '../generated/prisma/client.ts';
import { decodeCursor, toPage, type Page } from '../http/cursor.ts';
import { matchedVersion } from '../http/etag.ts';
import { HttpProblem, notFound } from '../http/problem.ts';
import type { Task, TaskInput, TaskStatus } from '../schemas/resources.ts';
import { auditRead, loadProjectAccess, loadTaskAccess, loadTaskPage, requireMember, type AuditLog } from './access.ts';
import { taskDto } from './dto.ts';
import { foreignKeyViolation } from '../db/errors.ts';
import { hotQuery, rowsOf, type SqlPool } from '../db/hot-sql.ts';
import type { Db } from '../db/prisma-client.ts';
import { uuidv7 } from '../db/uuidv7.ts';

export interface TaskListQuery {
  readonly limit: number;
  readonly cursor?: string;
  readonly status?: TaskStatus;
  readonly assigneeId?: string;
}

/**
 * Prisma's INSERT and UPDATE of a task, as its query builder sent them (captured with
 * `log_statement = 'all'`; tools/bench/src/baseline-sql.ts sends the same text), run on the pool
 * (db/hot-sql.ts, ADR 0009). The `RETURNING` columns keep their names (snake_case), mapped by `taskRow`.
 */
const TASK_RETURNING =
  '"public"."tasks"."id", "public"."tasks"."project_id", "public"."tasks"."title", "public"."tasks"."description", ' +
  '"public"."tasks"."status"::text, "public"."tasks"."priority"::text, "public"."tasks"."assignee_id", ' +
  '"public"."tasks"."due_date", "public"."tasks"."version", "public"."tasks"."created_at", "public"."tasks"."updated_at"';

/** Parameters: id, projectId, title, description, status, priority, assigneeId, dueDate, version, createdAt, updatedAt. */
const INSERT_TASK =
  'INSERT INTO "public"."tasks" ("id","project_id","title","description","status","priority","assignee_id",' +
  '"due_date","version","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."task_status"),' +
  `CAST($6::text AS "public"."task_priority"),$7,$8,$9,$10,$11) RETURNING ${TASK_RETURNING}`;

const UPDATE_TASK_SET =
  'UPDATE "public"."tasks" SET "title" = $1, "description" = $2, "status" = CAST($3::text AS "public"."task_status"), ' +
  '"priority" = CAST($4::text AS "public"."task_priority"), "assignee_id" = $5, "due_date" = $6, ' +
  '"version" = ("public"."tasks"."version" + $7), "updated_at" = $8 ';

/** Parameters: title, description, status, priority, assigneeId, dueDate, 1, updatedAt, id, version. */
export const UPDATE_TASK_IF_VERSION =
  UPDATE_TASK_SET +
  'WHERE ("public"."tasks"."id" = $9 AND "public"."tasks"."version" = $10) ' +
  `RETURNING ${TASK_RETURNING}`;

/** Without If-Match. Parameters: title, description, status, priority, assigneeId, dueDate, 1, updatedAt, id. */
const UPDATE_TASK = UPDATE_TASK_SET + `WHERE "public"."tasks"."id" = $9 RETURNING ${TASK_RETURNING}`;

interface TaskColumns {
  id: string;
  project_id: string;
  title: string;
  description: string | null;
  status: TaskRow['status'];
  priority: TaskRow['priority'];
  assignee_id: string | null;
  due_date: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function taskRow(row: TaskColumns): TaskRow {
  return {
    id: row.id,
    projectId: row.project_id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assignee_id,
    dueDate: row.due_date,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class TaskService {
  private readonly prisma: PrismaClient;
  private readonly pool: SqlPool;

  /** `pool` is the one under `prisma` (app.database.pool): the hot statements run on it directly. */
  constructor(prisma: PrismaClient, pool: SqlPool) {
    this.prisma = prisma;
    this.pool = pool;
  }

  /** One statement: the access check and the page (access.ts). */
  async list(principal: Principal, projectId: string, query: TaskListQuery, audit?: AuditLog): Promise<Page<Task>> {
    const after = decodeCursor(query.cursor);
    const { tasks, role } = await loadTaskPage(this.pool, principal, projectId, {
      limit: query.limit + 1,
      after,
      status: query.status,
      assigneeId: query.assigneeId,
    });
    auditRead(audit, principal, role, [projectId], 'tasks');
    return toPage(tasks, query.limit, (row) => row.id, taskDto);
  }

  /**
   * Two statements: the access check, the INSERT (the database checks the assignee, see
   * writeProblem). On the pool, unless `db` is a transaction (an idempotent create), which gets
   * the same statements through Prisma.
   */
  async create(db: Db, principal: Principal, projectId: string, input: TaskInput): Promise<Task> {
    const reader = db === this.prisma ? this.pool : db;
    const access = await loadProjectAccess(reader, principal, projectId);
    requireMember(access);
    const now = new Date().toISOString();
    const values = [uuidv7(), projectId, ...writableValues(input), 1, now, now];
    const rows = await rowsOf<TaskColumns>(reader, INSERT_TASK, values).catch((error: unknown) => {
      throw writeProblem(error, 'Project');
    });
    return taskDto(taskRow(rows[0] as TaskColumns));
  }

  /** Throws what a create by this caller would: 404 for a project they cannot see, 403 unless a member. */
  async requireMember(principal: Principal, projectId: string): Promise<void> {
    requireMember(await loadProjectAccess(this.pool, principal, projectId));
  }

  async get(principal: Principal, taskId: string, audit?: AuditLog): Promise<Task> {
    const { task, role } = await loadTaskAccess(this.pool, principal, taskId);
    auditRead(audit, principal, role, [task.projectId], 'task');
    return taskDto(task);
  }

  /** Two statements: the task with the caller's role, the UPDATE. */
  async replace(principal: Principal, taskId: string, input: TaskInput, ifMatch?: readonly number[]): Promise<Task> {
    const access = await loadTaskAccess(this.pool, principal, taskId);
    requireMember(access);
    const ifVersion = matchedVersion(ifMatch, access.task.version);
    const values: unknown[] = [...writableValues(input), 1, new Date().toISOString(), taskId];
    if (ifVersion !== undefined) values.push(ifVersion);
    // The version in the WHERE makes "check, then write" atomic: of two writers holding the
    // same ETag exactly one matches; the other finds no row and gets 412 (as does a task deleted
    // since the check).
    const rows = await hotQuery<TaskColumns>(
      this.pool,
      ifVersion === undefined ? UPDATE_TASK : UPDATE_TASK_IF_VERSION,
      values,
    ).catch((error: unknown) => {
      throw writeProblem(error, 'Task');
    });
    const row = rows[0];
    if (row === undefined) {
      throw new HttpProblem('preconditionFailed', 'The task was changed by another request; fetch it again');
    }
    return taskDto(taskRow(row));
  }

  /** Two statements: the task with the caller's role, the DELETE. */
  async delete(principal: Principal, taskId: string, ifMatch?: readonly number[]): Promise<void> {
    const access = await loadTaskAccess(this.pool, principal, taskId);
    requireMember(access);
    const ifVersion = matchedVersion(ifMatch, access.task.version);
    const deleted = await this.prisma.task.deleteMany({
      where: { id: taskId, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
    });
    if (deleted.count === 0 && ifVersion !== undefined) {
      throw new HttpProblem('preconditionFailed', 'The task was changed by another request; fetch it again');
    }
  }
}

/**
 * Create and replace share one meaning (omitted optional fields take their defaults) and one order:
 * title, description, status, priority, assigneeId, dueDate, the same parameters of INSERT_TASK
 * ($3–$8) and UPDATE_TASK_SET ($1–$6).
 */
function writableValues(input: TaskInput): unknown[] {
  return [
    input.title,
    input.description ?? null,
    input.status ?? 'todo',
    input.priority ?? 'medium',
    input.assigneeId ?? null,
    input.dueDate ?? null,
  ];
}

/**
 * A task's assignee must be a member of its project. The database enforces it (the foreign key
 * tasks_assignee_membership_fkey, migration 20261201010000): checked in the same statement as the
 * write, so a member removed while their task is being assigned cannot end up orphaned, and the
 * loser of that race gets this 422 like any other non-member.
 */
function writeProblem(error: unknown, parent: 'Project' | 'Task'): unknown {
  const constraint = foreignKeyViolation(error);
  if (constraint === undefined) return error;
  // The project (or task) went away between the access check and the write.
  if (constraint === 'tasks_project_id_fkey') return notFound(parent);
  return new HttpProblem('unprocessable', 'Tasks can only be assigned to members of the project', {
    errors: [{ path: '/body/assigneeId', message: 'is not a member of this project' }],
  });
}
