import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { decodeCursor, toPage, type Page } from '../http/cursor.ts';
import { matchedVersion } from '../http/etag.ts';
import { HttpProblem, notFound } from '../http/problem.ts';
import type { Task, TaskInput, TaskStatus } from '../schemas/resources.ts';
import { auditRead, loadProjectAccess, loadTaskAccess, loadTaskPage, requireMember, type AuditLog } from './access.ts';
import { taskDto, toDate } from './dto.ts';
import { foreignKeyViolation, isRecordNotFound } from '../db/errors.ts';
import type { Db } from '../db/prisma-client.ts';

export interface TaskListQuery {
  readonly limit: number;
  readonly cursor?: string;
  readonly status?: TaskStatus;
  readonly assigneeId?: string;
}

export class TaskService {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** One statement: the access check and the page (access.ts). */
  async list(principal: Principal, projectId: string, query: TaskListQuery, audit?: AuditLog): Promise<Page<Task>> {
    const after = decodeCursor(query.cursor);
    const { tasks, role } = await loadTaskPage(this.prisma, principal, projectId, {
      limit: query.limit + 1,
      after,
      status: query.status,
      assigneeId: query.assigneeId,
    });
    auditRead(audit, principal, role, [projectId], 'tasks');
    return toPage(tasks, query.limit, (row) => row.id, taskDto);
  }

  /** Two statements: the access check, the INSERT (the database checks the assignee, see assigneeProblem). */
  async create(db: Db, principal: Principal, projectId: string, input: TaskInput): Promise<Task> {
    const access = await loadProjectAccess(db, principal, projectId);
    requireMember(access);
    const row = await db.task.create({ data: { projectId, ...writableFields(input) } }).catch((error: unknown) => {
      throw writeProblem(error, 'Project');
    });
    return taskDto(row);
  }

  /** Throws what a create by this caller would: 404 for a project they cannot see, 403 unless a member. */
  async requireMember(principal: Principal, projectId: string): Promise<void> {
    requireMember(await loadProjectAccess(this.prisma, principal, projectId));
  }

  async get(principal: Principal, taskId: string, audit?: AuditLog): Promise<Task> {
    const { task, role } = await loadTaskAccess(this.prisma, principal, taskId);
    auditRead(audit, principal, role, [task.projectId], 'task');
    return taskDto(task);
  }

  /** Two statements: the task with the caller's role, the UPDATE. */
  async replace(principal: Principal, taskId: string, input: TaskInput, ifMatch?: readonly number[]): Promise<Task> {
    const access = await loadTaskAccess(this.prisma, principal, taskId);
    requireMember(access);
    const ifVersion = matchedVersion(ifMatch, access.task.version);
    // The version in the WHERE makes "check, then write" atomic: of two writers holding the
    // same ETag exactly one matches; the other finds no row (P2025) and gets 412.
    const row = await this.prisma.task
      .update({
        where: { id: taskId, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
        data: { ...writableFields(input), version: { increment: 1 } },
      })
      .catch((error: unknown) => {
        if (isRecordNotFound(error)) {
          throw new HttpProblem('preconditionFailed', 'The task was changed by another request; fetch it again');
        }
        throw writeProblem(error, 'Task');
      });
    return taskDto(row);
  }

  /** Two statements: the task with the caller's role, the DELETE. */
  async delete(principal: Principal, taskId: string, ifMatch?: readonly number[]): Promise<void> {
    const access = await loadTaskAccess(this.prisma, principal, taskId);
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

/** Create and replace share one meaning: omitted optional fields take their defaults. */
function writableFields(input: TaskInput) {
  return {
    title: input.title,
    description: input.description ?? null,
    status: input.status ?? 'todo',
    priority: input.priority ?? 'medium',
    assigneeId: input.assigneeId ?? null,
    dueDate: toDate(input.dueDate),
  } as const;
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
