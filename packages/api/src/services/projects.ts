import type { Principal } from '../auth/principal.ts';
import { Prisma, type PrismaClient, type Project as ProjectRow } from '../generated/prisma/client.ts';
import type { Db } from '../db/prisma-client.ts';
import { uuidv7 } from '../db/uuidv7.ts';
import { decodeCursor, toPage, type Page } from '../http/cursor.ts';
import { matchedVersion } from '../http/etag.ts';
import { HttpProblem } from '../http/problem.ts';
import type { Member, Project, ProjectInput } from '../schemas/resources.ts';
import {
  auditRead,
  loadProjectAccess,
  loadProjectPage,
  oneLine,
  PROJECT_COLUMNS,
  requireOwner,
  type AuditLog,
} from './access.ts';
import { memberDto, projectDto } from './dto.ts';
import { isRecordNotFound } from '../db/errors.ts';

const USER_ID_CURSOR = /^[A-Za-z0-9_.:@-]{1,128}$/;

export class ProjectService {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** One statement: the projects the caller sees, with their role in each. */
  async list(
    principal: Principal,
    query: { limit: number; cursor?: string },
    audit?: AuditLog,
  ): Promise<Page<Project>> {
    const after = decodeCursor(query.cursor);
    const rows = await loadProjectPage(this.prisma, principal, { limit: query.limit + 1, after });
    const page = toPage(
      rows,
      query.limit,
      (row) => row.id,
      ({ role, ...row }) => projectDto(row, role),
    );
    auditRead(
      audit,
      principal,
      null,
      page.items.filter((project) => project.role === null).map((project) => project.id),
      'projects',
    );
    return page;
  }

  /**
   * One statement: the project and the owner's membership row in one INSERT ... WITH, atomic
   * without a transaction. Prisma's nested create takes three (two INSERTs and a SELECT) inside
   * BEGIN/COMMIT.
   */
  async create(db: Db, principal: Principal, input: ProjectInput): Promise<Project> {
    const rows = await db.$queryRaw<ProjectRow[]>(
      oneLine(Prisma.sql`
      WITH p AS (
        INSERT INTO "projects" ("id", "name", "description", "owner_id")
        VALUES (${uuidv7()}::uuid, ${input.name}, ${input.description ?? null}, ${principal.userId})
        RETURNING *
      ), m AS (
        INSERT INTO "project_members" ("project_id", "user_id", "role") SELECT p."id", p."owner_id", 'owner' FROM p
      )
      SELECT ${PROJECT_COLUMNS} FROM p`),
    );
    return projectDto(rows[0] as ProjectRow, 'owner');
  }

  async get(principal: Principal, projectId: string, audit?: AuditLog): Promise<Project> {
    const { project, role } = await loadProjectAccess(this.prisma, principal, projectId);
    auditRead(audit, principal, role, [projectId], 'project');
    return projectDto(project, role);
  }

  async replace(
    principal: Principal,
    projectId: string,
    input: ProjectInput,
    ifMatch?: readonly number[],
  ): Promise<Project> {
    const access = await loadProjectAccess(this.prisma, principal, projectId);
    requireOwner(access);
    const ifVersion = matchedVersion(ifMatch, access.project.version);
    // The version in the WHERE makes "check, then write" atomic: of two writers holding
    // the same ETag exactly one matches, the other gets 412.
    const row = await this.prisma.project
      .update({
        where: { id: projectId, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
        data: { name: input.name, description: input.description ?? null, version: { increment: 1 } },
      })
      .catch((error: unknown) => {
        if (isRecordNotFound(error)) throw staleOrGone();
        throw error;
      });
    return projectDto(row, access.role);
  }

  async delete(principal: Principal, projectId: string, ifMatch?: readonly number[]): Promise<void> {
    const access = await loadProjectAccess(this.prisma, principal, projectId);
    requireOwner(access);
    const ifVersion = matchedVersion(ifMatch, access.project.version);
    const deleted = await this.prisma.project.deleteMany({
      where: { id: projectId, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
    });
    if (deleted.count === 0 && ifVersion !== undefined) throw staleOrGone();
  }

  async listMembers(
    principal: Principal,
    projectId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<Member>> {
    await loadProjectAccess(this.prisma, principal, projectId);
    const after = decodeCursor(query.cursor, USER_ID_CURSOR);
    const rows = await this.prisma.projectMember.findMany({
      where: { projectId, ...(after === undefined ? {} : { userId: { gt: after } }) },
      orderBy: { userId: 'asc' },
      take: query.limit + 1,
      include: { user: { select: { email: true } } },
    });
    return toPage(rows, query.limit, (row) => row.userId, memberDto);
  }

  /** One member; visible to whoever sees the project. Invitees are not members until they accept. */
  async getMember(principal: Principal, projectId: string, userId: string): Promise<Member> {
    await loadProjectAccess(this.prisma, principal, projectId);
    const row = await this.prisma.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId } },
      include: { user: { select: { email: true } } },
    });
    if (row === null) throw new HttpProblem('notFound', 'Member not found');
    return memberDto(row);
  }

  async removeMember(principal: Principal, projectId: string, userId: string): Promise<void> {
    const access = await loadProjectAccess(this.prisma, principal, projectId);
    // Members may leave on their own; only the owner removes others.
    if (userId !== principal.userId || access.role === null) requireOwner(access);
    if (userId === access.project.ownerId) {
      throw new HttpProblem('conflict', 'The owner cannot be removed from their project');
    }
    // The database clears the member's assignments in the same statement (tasks_assignee_membership_fkey,
    // ON DELETE SET NULL (assignee_id), and a trigger bumps those tasks' versions): migration 20261201010000.
    const removed = await this.prisma.projectMember.deleteMany({ where: { projectId, userId } });
    if (removed.count === 0) throw new HttpProblem('notFound', 'Member not found');
  }
}

function staleOrGone(): HttpProblem {
  return new HttpProblem('preconditionFailed', 'The resource was changed by another request; fetch it again');
}
