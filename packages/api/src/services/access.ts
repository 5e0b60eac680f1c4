import type { Principal } from '../auth/principal.ts';
import type { PrismaClient, Project } from '../generated/prisma/client.ts';
import { forbidden, notFound } from '../http/problem.ts';

export type Role = 'owner' | 'member';

export interface ProjectAccess {
  readonly project: Project;
  /** The caller's role; null for an admin who is not a member. */
  readonly role: Role | null;
}

/**
 * Loads a project as the caller may see it. Callers who are neither members nor admins
 * get the same 404 as for a project that does not exist, so ids of other tenants' projects
 * reveal nothing.
 */
export async function loadProjectAccess(
  prisma: Pick<PrismaClient, 'project'>,
  principal: Principal,
  projectId: string,
): Promise<ProjectAccess> {
  const project = await prisma.project.findUnique({
    where: { id: projectId },
    include: { members: { where: { userId: principal.userId }, select: { role: true } } },
  });
  const role = project?.members[0]?.role ?? null;
  if (project === null || (role === null && !principal.isAdmin)) throw notFound('Project');
  const { members: _members, ...rest } = project;
  return { project: rest, role };
}

/** Members manage tasks; admins who are not members only read. */
export function requireMember(access: ProjectAccess): void {
  if (access.role === null) throw forbidden('Only members of the project can change it');
}

/** Only the owner replaces or deletes the project and manages its members. */
export function requireOwner(access: ProjectAccess): void {
  if (access.role !== 'owner') throw forbidden('Only the owner of the project can do this');
}
