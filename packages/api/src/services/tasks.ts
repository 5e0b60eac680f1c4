import type { Principal } from '../auth/principal.ts';
import type { PrismaClient, Task as TaskRow } from '../generated/prisma/client.ts';
import { decodeCursor, toPage, type Page } from '../http/cursor.ts';
import { matchedVersion } from '../http/etag.ts';
import { HttpProblem, notFound } from '../http/problem.ts';
import type { Task, TaskInput, TaskStatus } from '../schemas/resources.ts';
import { loadProjectAccess, requireMember, type ProjectAccess } from './access.ts';
import { taskDto, toDate } from './dto.ts';
import { isRecordNotFound } from '../db/errors.ts';
import type { Db } from './projects.ts';

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

  async list(principal: Principal, projectId: string, query: TaskListQuery): Promise<Page<Task>> {
    await loadProjectAccess(this.prisma, principal, projectId);
    const after = decodeCursor(query.cursor);
    // Served by the (project_id, id), (project_id, status, id) and (project_id, assignee_id, id) indexes.
    const rows = await this.prisma.task.findMany({
      where: {
        projectId,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.assigneeId === undefined ? {} : { assigneeId: query.assigneeId }),
        ...(after === undefined ? {} : { id: { gt: after } }),
      },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, (row) => row.id, taskDto);
  }

  async create(db: Db, principal: Principal, projectId: string, input: TaskInput): Promise<Task> {
    const access = await loadProjectAccess(db, principal, projectId);
    requireMember(access);
    await assertAssignable(db, projectId, input.assigneeId);
    const row = await db.task.create({ data: { projectId, ...writableFields(input) } });
    return taskDto(row);
  }

  async get(principal: Principal, taskId: string): Promise<Task> {
    const { task } = await this.load(principal, taskId);
    return taskDto(task);
  }

  async replace(principal: Principal, taskId: string, input: TaskInput, ifMatch?: readonly number[]): Promise<Task> {
    const { task, access } = await this.load(principal, taskId);
    requireMember(access);
    const ifVersion = matchedVersion(ifMatch, task.version);
    await assertAssignable(this.prisma, task.projectId, input.assigneeId);
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
        throw error;
      });
    return taskDto(row);
  }

  async delete(principal: Principal, taskId: string, ifMatch?: readonly number[]): Promise<void> {
    const { task, access } = await this.load(principal, taskId);
    requireMember(access);
    const ifVersion = matchedVersion(ifMatch, task.version);
    const deleted = await this.prisma.task.deleteMany({
      where: { id: taskId, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
    });
    if (deleted.count === 0 && ifVersion !== undefined) {
      throw new HttpProblem('preconditionFailed', 'The task was changed by another request; fetch it again');
    }
  }

  /** A task is visible exactly when its project is. */
  private async load(principal: Principal, taskId: string): Promise<{ task: TaskRow; access: ProjectAccess }> {
    const task = await this.prisma.task.findUnique({ where: { id: taskId } });
    if (task === null) throw notFound('Task');
    const access = await loadProjectAccess(this.prisma, principal, task.projectId).catch((error: unknown) => {
      throw error instanceof HttpProblem && error.status === 404 ? notFound('Task') : error;
    });
    return { task, access };
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

async function assertAssignable(db: Db, projectId: string, assigneeId: string | null | undefined): Promise<void> {
  if (assigneeId === null || assigneeId === undefined) return;
  const member = await db.projectMember.findUnique({
    where: { projectId_userId: { projectId, userId: assigneeId } },
    select: { userId: true },
  });
  if (member === null) {
    throw new HttpProblem('unprocessable', 'Tasks can only be assigned to members of the project', {
      errors: [{ path: '/body/assigneeId', message: 'is not a member of this project' }],
    });
  }
}
