/**
 * The SQL the api issues for the benchmarked operations, byte for byte: the reads are the api's
 * raw statements (packages/api/src/services/access.ts, one statement each, access check included),
 * the writes the statements Prisma 7's query builder sent, which the api now sends as the same text
 * (packages/api/src/services/tasks.ts); since ADR 0009 all of them on the pg pool under Prisma.
 * Captured with `log_statement = 'all'` on the bench database
 * (`npm run check-sql -w @taskboard/bench` compares them again). The baseline sends the same statements
 * with `pg` directly, so the ratio api/baseline measures what the api adds around them.
 */

const TASK_COLUMNS =
  '"public"."tasks"."id", "public"."tasks"."project_id", "public"."tasks"."title", "public"."tasks"."description", ' +
  '"public"."tasks"."status"::text, "public"."tasks"."priority"::text, "public"."tasks"."assignee_id", ' +
  '"public"."tasks"."due_date", "public"."tasks"."version", "public"."tasks"."created_at", "public"."tasks"."updated_at"';

/** The task columns as access.ts selects them (aliased to the api's field names). */
const TASK_ACCESS_COLUMNS =
  't."id", t."project_id" AS "projectId", t."title", t."description", t."status"::text AS "status", ' +
  't."priority"::text AS "priority", t."assignee_id" AS "assigneeId", t."due_date" AS "dueDate", t."version", ' +
  't."created_at" AS "createdAt", t."updated_at" AS "updatedAt"';

const PROJECT_ACCESS_COLUMNS =
  'p."id", p."name", p."description", p."owner_id" AS "ownerId", p."version", p."created_at" AS "createdAt", ' +
  'p."updated_at" AS "updatedAt"';

/**
 * `loadProjectAccess` (access.ts): the project and the caller's role, one statement; no row when the
 * caller may not see it. Parameters: userId, projectId, isAdmin.
 */
export const SELECT_PROJECT_ACCESS =
  `SELECT ${PROJECT_ACCESS_COLUMNS}, m."role"::text AS "role" FROM "projects" p LEFT JOIN "project_members" m ` +
  'ON m."project_id" = p."id" AND m."user_id" = $1 WHERE p."id" = $2::uuid AND (m."role" IS NOT NULL OR $3::boolean)';

/**
 * `loadTaskPage` (access.ts) without filters or cursor: the caller's role and the page, one statement;
 * no row when the project does not exist, one row with null task columns when it has no tasks.
 * Parameters: userId, isAdmin, limit + 1, projectId.
 */
export const SELECT_TASK_PAGE =
  `SELECT m."role"::text AS "role", ${TASK_ACCESS_COLUMNS} FROM "projects" p LEFT JOIN "project_members" m ` +
  'ON m."project_id" = p."id" AND m."user_id" = $1 LEFT JOIN LATERAL ( SELECT * FROM "tasks" t ' +
  'WHERE t."project_id" = p."id" AND (m."role" IS NOT NULL OR $2::boolean) ORDER BY t."id" LIMIT $3 ) t ON true ' +
  'WHERE p."id" = $4::uuid ORDER BY t."id"';

/** `loadTaskAccess` (access.ts): one task and the caller's role in its project. Parameters: userId, taskId, isAdmin. */
export const SELECT_TASK_ACCESS =
  `SELECT ${TASK_ACCESS_COLUMNS}, m."role"::text AS "role" FROM "tasks" t LEFT JOIN "project_members" m ` +
  'ON m."project_id" = t."project_id" AND m."user_id" = $1 WHERE t."id" = $2::uuid AND (m."role" IS NOT NULL OR $3::boolean)';

/** `TaskService.create`. Parameters: id, projectId, title, description, status, priority, assigneeId, dueDate, version, createdAt, updatedAt. */
export const INSERT_TASK =
  'INSERT INTO "public"."tasks" ("id","project_id","title","description","status","priority","assignee_id",' +
  '"due_date","version","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."task_status"),' +
  `CAST($6::text AS "public"."task_priority"),$7,$8,$9,$10,$11) RETURNING ${TASK_COLUMNS}`;

/** `TaskService.replace` with If-Match. Parameters: title, description, status, priority, assigneeId, dueDate, 1, updatedAt, id, version. */
export const UPDATE_TASK =
  'UPDATE "public"."tasks" SET "title" = $1, "description" = $2, "status" = CAST($3::text AS "public"."task_status"), ' +
  '"priority" = CAST($4::text AS "public"."task_priority"), "assignee_id" = $5, "due_date" = $6, ' +
  '"version" = ("public"."tasks"."version" + $7), "updated_at" = $8 WHERE ("public"."tasks"."id" = $9 AND ' +
  `"public"."tasks"."version" = $10) RETURNING ${TASK_COLUMNS}`;
