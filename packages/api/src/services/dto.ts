import type { Project as ProjectRow, Task as TaskRow } from '../generated/prisma/client.ts';
import type { Member, Project, Task } from '../schemas/resources.ts';
import type { Role } from './access.ts';

/** Rows to API representations. Plain JSON (ISO strings), so a stored idempotent response replays byte-identical. */
export function projectDto(row: ProjectRow, role: Role | null): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerId: row.ownerId,
    role,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function taskDto(row: TaskRow): Task {
  return {
    id: row.id,
    projectId: row.projectId,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assigneeId,
    dueDate: row.dueDate === null ? null : row.dueDate.toISOString().slice(0, 10),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function memberDto(row: {
  userId: string;
  role: Role;
  createdAt: Date;
  user: { email: string | null };
}): Member {
  return { userId: row.userId, role: row.role, email: row.user.email, createdAt: row.createdAt.toISOString() };
}
