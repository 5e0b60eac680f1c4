import type { Principal } from '../auth/principal.ts';
import { Prisma, type PrismaClient, type Project, type Task } from '../generated/prisma/client.ts';
import { rowsOf, type Reader } from '../db/hot-sql.ts';
import { forbidden, notFound } from '../http/problem.ts';

export type Role = 'owner' | 'member';

export interface ProjectAccess {
  readonly project: Project;
  /** The caller's role; null for an admin who is not a member. */
  readonly role: Role | null;
}

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
 * hidden project. So the reads are raw statements with numbered parameters and explicit row types;
 * the statement counts and the CPU of each way: docs/benchmarks.md (check-sql),
 * scripts/measure-data-path.ts. Each text is one line, byte for byte what
 * tools/bench/src/baseline-sql.ts sends (`npm run check-sql -w @taskboard/bench` compares them).
 */

export const PROJECT_COLUMNS = Prisma.sql`p."id", p."name", p."description", p."owner_id" AS "ownerId", p."version",
  p."created_at" AS "createdAt", p."updated_at" AS "updatedAt"`;

const PROJECT_COLUMN_LIST = oneLine(PROJECT_COLUMNS).strings.join('');

const TASK_COLUMN_LIST =
  't."id", t."project_id" AS "projectId", t."title", t."description", t."status"::text AS "status", ' +
  't."priority"::text AS "priority", t."assignee_id" AS "assigneeId", t."due_date" AS "dueDate", t."version", ' +
  't."created_at" AS "createdAt", t."updated_at" AS "updatedAt"';

/** Parameters: userId, projectId, isAdmin. */
const SELECT_PROJECT_ACCESS =
  `SELECT ${PROJECT_COLUMN_LIST}, m."role"::text AS "role" FROM "projects" p LEFT JOIN "project_members" m ` +
  'ON m."project_id" = p."id" AND m."user_id" = $1 WHERE p."id" = $2::uuid AND (m."role" IS NOT NULL OR $3::boolean)';

/** Parameters: userId, taskId, isAdmin. */
export const SELECT_TASK_ACCESS =
  `SELECT ${TASK_COLUMN_LIST}, m."role"::text AS "role" FROM "tasks" t LEFT JOIN "project_members" m ` +
  'ON m."project_id" = t."project_id" AND m."user_id" = $1 WHERE t."id" = $2::uuid AND (m."role" IS NOT NULL OR $3::boolean)';

/**
 * A page of tasks; the filters present decide the statement (the parameters are numbered in the
 * order they appear). Eight texts at most, built once each.
 */
const taskPageStatements = new Map<string, string>();
function selectTaskPage(status: boolean, assignee: boolean, after: boolean): string {
  const shape = `${status}${assignee}${after}`;
  let text = taskPageStatements.get(shape);
  if (text !== undefined) return text;
  let next = 3;
  const conditions = ['t."project_id" = p."id"', '(m."role" IS NOT NULL OR $2::boolean)'];
  if (status) conditions.push(`t."status" = $${next++}::"task_status"`);
  if (assignee) conditions.push(`t."assignee_id" = $${next++}`);
  if (after) conditions.push(`t."id" > $${next++}::uuid`);
  text =
    `SELECT m."role"::text AS "role", ${TASK_COLUMN_LIST} FROM "projects" p LEFT JOIN "project_members" m ` +
    'ON m."project_id" = p."id" AND m."user_id" = $1 LEFT JOIN LATERAL ( SELECT * FROM "tasks" t ' +
    `WHERE ${conditions.join(' AND ')} ORDER BY t."id" LIMIT $${next} ) t ON true ` +
    `WHERE p."id" = $${next + 1}::uuid ORDER BY t."id"`;
  taskPageStatements.set(shape, text);
  return text;
}

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
  const rows = await rowsOf<Project & RoleColumn>(db, SELECT_PROJECT_ACCESS, [
    principal.userId,
    projectId,
    principal.isAdmin,
  ]);
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
  const rows = await rowsOf<Task & RoleColumn>(db, SELECT_TASK_ACCESS, [principal.userId, taskId, principal.isAdmin]);
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
  const values: unknown[] = [principal.userId, principal.isAdmin];
  if (filter.status !== undefined) values.push(filter.status);
  if (filter.assigneeId !== undefined) values.push(filter.assigneeId);
  if (filter.after !== undefined) values.push(filter.after);
  values.push(filter.limit, projectId);
  const text = selectTaskPage(filter.status !== undefined, filter.assigneeId !== undefined, filter.after !== undefined);
  const rows = await rowsOf<TaskOrNull & RoleColumn>(db, text, values);
  const first = rows[0];
  const role = visibleRole(principal, first !== undefined, first?.role ?? null, 'Project');
  const tasks: Task[] = [];
  for (const { role: _role, ...task } of rows) if (task.id !== null) tasks.push(task as Task);
  return { tasks, role };
}

type TaskOrNull = { [K in keyof Task]: Task[K] | null };

/** A page of the projects the caller sees (admins: all) with the caller's role in each: one statement. */
export async function loadProjectPage(
  db: Pick<PrismaClient, '$queryRaw'>,
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
