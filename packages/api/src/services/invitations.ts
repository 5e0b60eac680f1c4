import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { decodeCursor, toPage, type Page } from '../http/cursor.ts';
import { HttpProblem, notFound } from '../http/problem.ts';
import type { Invitation, InvitationInput, Project } from '../schemas/resources.ts';
import { loadProjectAccess, requireOwner } from './access.ts';
import { projectDto } from './dto.ts';

/** What an invitation write needs; the app's client and an interactive transaction both qualify. */
export type InvitationDb = Pick<
  PrismaClient,
  'project' | 'projectMember' | 'projectInvitation' | '$queryRaw' | '$queryRawUnsafe' | '$executeRaw'
>;

/**
 * Pending invitations one project may hold. A sanity bound, not a quota: it keeps one owner from
 * filling the table (or many users' invitation lists) through a single project.
 */
export const MAX_PENDING_INVITATIONS = 100;

interface InvitationRow {
  id: string;
  projectId: string;
  inviteeId: string;
  inviterId: string;
  createdAt: Date;
  project: { name: string };
}

const withProjectName = { project: { select: { name: true } } } as const;

/** Rows to the API's representation. No email of anyone: the invitee shares theirs by accepting. */
function invitationDto(row: InvitationRow): Invitation {
  return {
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    inviteeId: row.inviteeId,
    inviterId: row.inviterId,
    createdAt: row.createdAt.toISOString(),
  };
}

const invitationNotFound = (): HttpProblem => notFound('Invitation');

/**
 * Membership by consent (issue 14.1): an owner invites a user id, the user accepts or declines,
 * the owner may revoke while it is pending. Until the user accepts they are not a member, so the
 * project stays invisible to them (404, not in their list) and their email is not shown to anyone.
 *
 * Inviting never looks at the users table: an id nobody has, and an id of a real user, go through
 * the same statements and get the same answer, so the endpoint confirms no id exists
 * (docs/reliability.md, "Membership consent", has the timing figures).
 */
export class InvitationService {
  private readonly prisma: PrismaClient;
  private readonly maxPending: number;

  constructor(prisma: PrismaClient, maxPending = MAX_PENDING_INVITATIONS) {
    this.prisma = prisma;
    this.maxPending = maxPending;
  }

  /**
   * Creates a pending invitation (owner only). Runs in the caller's transaction when an
   * Idempotency-Key opened one, else in its own: the project row lock below must be held until the
   * insert commits, or two concurrent invites could both pass the cap check.
   */
  async invite(db: InvitationDb, principal: Principal, projectId: string, input: InvitationInput): Promise<Invitation> {
    if (db === this.prisma) {
      return this.prisma.$transaction((tx) => this.inviteIn(tx, principal, projectId, input));
    }
    return this.inviteIn(db, principal, projectId, input);
  }

  private async inviteIn(
    db: InvitationDb,
    principal: Principal,
    projectId: string,
    input: InvitationInput,
  ): Promise<Invitation> {
    // Serialises invitations to one project until this transaction ends (NO KEY UPDATE does not block
    // the foreign-key checks of task and member writes), and keeps the project from being deleted
    // between the access check below and the insert. Taken before the check so no branch is needed
    // for a project deleted in between: the check then finds nothing (404). A caller who turns out
    // not to be the owner holds it for the one statement of that check.
    await db.$executeRaw`SELECT 1 FROM "projects" WHERE "id" = ${projectId}::uuid FOR NO KEY UPDATE`;
    requireOwner(await loadProjectAccess(db, principal, projectId));
    const member = await db.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId: input.userId } },
      select: { role: true },
    });
    if (member !== null) throw new HttpProblem('conflict', 'The user is already a member of this project');
    const pending = await db.projectInvitation.count({ where: { projectId } });
    if (pending >= this.maxPending) {
      throw new HttpProblem(
        'conflict',
        `This project has ${this.maxPending} pending invitations, the most it may have; revoke some before inviting more`,
      );
    }
    const row = await db.projectInvitation
      .create({
        data: { projectId, inviteeId: input.userId, inviterId: principal.userId },
        include: withProjectName,
      })
      .catch((error: unknown) => {
        // Two invites of one user at once: the (project, invitee) unique key decides, the loser gets 409.
        throw isUniqueViolation(error)
          ? new HttpProblem('conflict', 'The user already has a pending invitation to this project')
          : error;
      });
    return invitationDto(row);
  }

  /** Throws what an invite by this caller would: 404 for a project they cannot see, 403 unless the owner. */
  async requireOwner(principal: Principal, projectId: string): Promise<void> {
    requireOwner(await loadProjectAccess(this.prisma, principal, projectId));
  }

  /** The pending invitations of a project (owner only), oldest first. */
  async listForProject(
    principal: Principal,
    projectId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<Invitation>> {
    requireOwner(await loadProjectAccess(this.prisma, principal, projectId));
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.projectInvitation.findMany({
      where: { projectId, ...(after === undefined ? {} : { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
      include: withProjectName,
    });
    return toPage(rows, query.limit, (row) => row.id, invitationDto);
  }

  /** Withdraws a pending invitation (owner only). Of a revoke and an accept racing, exactly one wins. */
  async revoke(principal: Principal, projectId: string, invitationId: string): Promise<void> {
    requireOwner(await loadProjectAccess(this.prisma, principal, projectId));
    const { count } = await this.prisma.projectInvitation.deleteMany({ where: { id: invitationId, projectId } });
    if (count === 0) throw invitationNotFound();
  }

  /** The caller's pending invitations, oldest first. */
  async listMine(principal: Principal, query: { limit: number; cursor?: string }): Promise<Page<Invitation>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.projectInvitation.findMany({
      where: { inviteeId: principal.userId, ...(after === undefined ? {} : { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
      include: withProjectName,
    });
    return toPage(rows, query.limit, (row) => row.id, invitationDto);
  }

  /**
   * Accepts an invitation addressed to the caller: it ends and the caller becomes a member, in one
   * transaction. Deleting the invitation row is what decides a race with a revoke, a decline or a
   * second accept: PostgreSQL lets one DELETE take the row, the others find nothing (404).
   */
  async accept(principal: Principal, invitationId: string): Promise<Project> {
    return this.prisma.$transaction(async (tx) => {
      const mine = { id: invitationId, inviteeId: principal.userId };
      const found = await tx.projectInvitation.findFirst({ where: mine, select: { projectId: true } });
      // The project row before the invitation row, in the order a project delete takes them (it
      // cascades to invitations): an accept racing a delete waits for it or wins, never deadlocks.
      // KEY SHARE keeps the project from being deleted until the membership is in.
      if (found !== null) {
        await tx.$executeRaw`SELECT 1 FROM "projects" WHERE "id" = ${found.projectId}::uuid FOR KEY SHARE`;
      }
      const deleted = found === null ? 0 : (await tx.projectInvitation.deleteMany({ where: mine })).count;
      // Someone else's, ended (accepted, declined, revoked) or its project deleted.
      if (found === null || deleted === 0) throw invitationNotFound();
      await tx.projectMember.createMany({
        data: [{ projectId: found.projectId, userId: principal.userId, role: 'member' }],
        skipDuplicates: true,
      });
      const access = await loadProjectAccess(tx, principal, found.projectId);
      return projectDto(access.project, access.role);
    });
  }

  /** Declines an invitation addressed to the caller; nothing else changes. */
  async decline(principal: Principal, invitationId: string): Promise<void> {
    const { count } = await this.prisma.projectInvitation.deleteMany({
      where: { id: invitationId, inviteeId: principal.userId },
    });
    if (count === 0) throw invitationNotFound();
  }
}
