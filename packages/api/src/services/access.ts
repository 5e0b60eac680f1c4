import type { Principal } from '../auth/principal.ts';
import { Prisma, type PrismaClient, type Project, type Task } from '../generated/prisma/client.ts';
import { forbidden, notFound } from '../http/problem.ts';

export type Role = 'owner' | 'member';

export interface ProjectAccess {
  readonly project: Project;
  /** The caller's role; null for an admin who is not a member. */
  readonly role: Role | null;
}

/** What the access queries need: one raw statement each. A transaction client qualifies too. */
export type Reader = Pick<PrismaClient, '$queryRaw'>;

/** Where an admin's read of a project they are not a member of is recorded (the request's logger). */
export interface AuditLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * The statement with every run of whitespace collapsed to one space, so it is one line in
 * PostgreSQL's log and byte for byte what tools/bench/src/baseline-sql.ts sends
 * (`npm run check-sql -w @taskboard/bench` compares them). Parameters are untouched.
 */
export function oneLine(query: Prisma.Sql): Prisma.Sql {
  const last = query.strings.length - 1;
  const strings = query.strings.map((part, index) => {
    let text = part.replace(/\s+/g, ' ');
    if (index === 0) text = text.trimStart();
    if (index === last) text = text.trimEnd();
    return text;
  });
  return new Prisma.Sql(strings, query.values);
}

/*
 * Why raw SQL here: every request starts with "may this caller see this project", and issue 17
 * wants that check and the data it guards in ONE round trip. Prisma's query builder loads an
 * `include` with a second statement (relation joins are a preview feature), and a relation
 * filter (`members: { some: ... }`) cannot return the caller's role nor tell an empty page from a
 * hidden project. So the reads are `$queryRaw` tagged templates (parameters are bound, never
 * spliced) with explicit row types; writes stay on the query builder. The statement counts and
 * the CPU of both ways: docs/benchmarks.md (check-sql), scripts/measure-data-path.ts.
 */

export const PROJECT_COLUMNS = Prisma.sql`p."id", p."name", p."description", p."owner_id" AS "ownerId", p."version",
  p."created_at" AS "createdAt", p."updated_at" AS "updatedAt"`;

const TASK_COLUMNS = Prisma.sql`t."id", t."project_id" AS "projectId", t."title", t."description",
  t."status"::text AS "status", t."priority"::text AS "priority", t."assignee_id" AS "assigneeId",
  t."due_date" AS "dueDate", t."version", t."created_at" AS "createdAt", t."updated_at" AS "updatedAt"`;

type RoleColumn = { role: Role | null };

/**
 * Callers who are neither members nor admins get the same 404 as for a project that does not
 * exist, so ids of other tenants' projects reveal nothing. Both cases are the same single statement
 * returning no row: the statements filter on visibility themselves, so a hidden row never leaves
 * the database, and the two 404s take the same time (docs/reliability.md, "404 timing").
 */
function visibleRole(principal: Principal, found: boolean, role: Role | null, what: string): Role | null {
  if (!found || (role === null && !principal.isAdmin)) throw notFound(what);
  return role;
}

/** Logs a read by an admin who is not a member of the project: reading another tenant's data. */
export function auditRead(
  log: AuditLog | undefined,
  principal: Principal,
  role: Role | null,
  projectIds: readonly string[],
  resource: string,
): void {
  if (log === undefined || role !== null || !principal.isAdmin || projectIds.length === 0) return;
  log.info(
    { audit: 'admin-cross-tenant-read', sub: principal.userId, projectIds, resource },
    'admin read data of a project they are not a member of',
  );
}

/** The project and the caller's role in it: one statement. */
export async function loadProjectAccess(db: Reader, principal: Principal, projectId: string): Promise<ProjectAccess> {
  const rows = await db.$queryRaw<(Project & RoleColumn)[]>(
    oneLine(Prisma.sql`
    SELECT ${PROJECT_COLUMNS}, m."role"::text AS "role"
    FROM "projects" p
    LEFT JOIN "project_members" m ON m."project_id" = p."id" AND m."user_id" = ${principal.userId}
    WHERE p."id" = ${projectId}::uuid AND (m."role" IS NOT NULL OR ${principal.isAdmin}::boolean)`),
  );
  const row = rows[0];
  const role = visibleRole(principal, row !== undefined, row?.role ?? null, 'Project');
  const { role: _role, ...project } = row as Project & RoleColumn;
  return { project, role };
}

/** One task and the caller's role in its project: one statement. A hidden task is a missing one. */
export async function loadTaskAccess(
  db: Reader,
  principal: Principal,
  taskId: string,
): Promise<{ task: Task; role: Role | null }> {
  const rows = await db.$queryRaw<(Task & RoleColumn)[]>(
    oneLine(Prisma.sql`
    SELECT ${TASK_COLUMNS}, m."role"::text AS "role"
    FROM "tasks" t
    LEFT JOIN "project_members" m ON m."project_id" = t."project_id" AND m."user_id" = ${principal.userId}
    WHERE t."id" = ${taskId}::uuid AND (m."role" IS NOT NULL OR ${principal.isAdmin}::boolean)`),
  );
  const row = rows[0];
  const role = visibleRole(principal, row !== undefined, row?.role ?? null, 'Task');
  const { role: _role, ...task } = row as Task & RoleColumn;
  return { task, role };
}

export interface TaskPageFilter {
  readonly limit: number;
  readonly after?: string;
  readonly status?: string;
  readonly assigneeId?: string;
}

/**
 * A page of a project's tasks (`limit` rows at most, in id order) and the caller's role: one
 * statement. The tasks are only read when the caller may see them (the gate in the lateral
 * subquery), so a non-member's 404 does no more work than a missing project's. Served by the
 * (project_id, id), (project_id, status, id) and (project_id, assignee_id, id) indexes.
 */
export async function loadTaskPage(
  db: Reader,
  principal: Principal,
  projectId: string,
  filter: TaskPageFilter,
): Promise<{ tasks: Task[]; role: Role | null }> {
  const conditions = [
    Prisma.sql`t."project_id" = p."id"`,
    Prisma.sql`(m."role" IS NOT NULL OR ${principal.isAdmin}::boolean)`,
    ...(filter.status === undefined ? [] : [Prisma.sql`t."status" = ${filter.status}::"task_status"`]),
    ...(filter.assigneeId === undefined ? [] : [Prisma.sql`t."assignee_id" = ${filter.assigneeId}`]),
    ...(filter.after === undefined ? [] : [Prisma.sql`t."id" > ${filter.after}::uuid`]),
  ];
  const rows = await db.$queryRaw<(TaskOrNull & RoleColumn)[]>(
    oneLine(Prisma.sql`
    SELECT m."role"::text AS "role", ${TASK_COLUMNS}
    FROM "projects" p
    LEFT JOIN "project_members" m ON m."project_id" = p."id" AND m."user_id" = ${principal.userId}
    LEFT JOIN LATERAL (
      SELECT * FROM "tasks" t WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY t."id" LIMIT ${filter.limit}
    ) t ON true
    WHERE p."id" = ${projectId}::uuid
    ORDER BY t."id"`),
  );
  const first = rows[0];
  const role = visibleRole(principal, first !== undefined, first?.role ?? null, 'Project');
  const tasks: Task[] = [];
  for (const { role: _role, ...task } of rows) if (task.id !== null) tasks.push(task as Task);
  return { tasks, role };
}

type TaskOrNull = { [K in keyof Task]: Task[K] | null };

/** A page of the projects the caller sees (admins: all) with the caller's role in each: one statement. */
export async function loadProjectPage(
  db: Reader,
  principal: Principal,
  filter: { limit: number; after?: string },
): Promise<(Project & RoleColumn)[]> {
  if (principal.isAdmin) {
    return db.$queryRaw<(Project & RoleColumn)[]>(
      oneLine(Prisma.sql`
      SELECT ${PROJECT_COLUMNS}, m."role"::text AS "role"
      FROM "projects" p
      LEFT JOIN "project_members" m ON m."project_id" = p."id" AND m."user_id" = ${principal.userId}
      ${filter.after === undefined ? Prisma.empty : Prisma.sql`WHERE p."id" > ${filter.after}::uuid`}
      ORDER BY p."id" LIMIT ${filter.limit}`),
    );
  }
  // Served by the (user_id, project_id) index: "projects I can see" is one range scan.
  return db.$queryRaw<(Project & RoleColumn)[]>(
    oneLine(Prisma.sql`
    SELECT ${PROJECT_COLUMNS}, m."role"::text AS "role"
    FROM "project_members" m
    JOIN "projects" p ON p."id" = m."project_id"
    WHERE m."user_id" = ${principal.userId}
    ${filter.after === undefined ? Prisma.empty : Prisma.sql`AND m."project_id" > ${filter.after}::uuid`}
    ORDER BY m."project_id" LIMIT ${filter.limit}`),
  );
}

/** Members manage tasks; admins who are not members only read. */
export function requireMember(access: { readonly role: Role | null }): void {
  if (access.role === null) throw forbidden('Only members of the project can change it');
}

/** Only the owner replaces or deletes the project and manages its members. */
export function requireOwner(access: { readonly role: Role | null }): void {
  if (access.role !== 'owner') throw forbidden('Only the owner of the project can do this');
}
