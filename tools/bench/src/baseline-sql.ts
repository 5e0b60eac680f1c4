/**
 * The SQL the api issues for the benchmarked operations, byte for byte as Prisma 7
 * (adapter-pg) sends it: captured with `log_statement = 'all'` on the bench database
 * (`npm run check-sql -w @taskboard/bench` compares them again). The baseline sends the same statements
 * with `pg` directly, so the ratio api/baseline measures what the api adds around them.
 */

const TASK_COLUMNS =
  '"public"."tasks"."id", "public"."tasks"."project_id", "public"."tasks"."title", "public"."tasks"."description", ' +
  '"public"."tasks"."status"::text, "public"."tasks"."priority"::text, "public"."tasks"."assignee_id", ' +
  '"public"."tasks"."due_date", "public"."tasks"."version", "public"."tasks"."created_at", "public"."tasks"."updated_at"';

/** `loadProjectAccess`, first half: the project by id. Parameters: id, 1, 0. */
export const SELECT_PROJECT =
  'SELECT "public"."projects"."id", "public"."projects"."name", "public"."projects"."description", ' +
  '"public"."projects"."owner_id", "public"."projects"."version", "public"."projects"."created_at", ' +
  '"public"."projects"."updated_at" FROM "public"."projects" WHERE ("public"."projects"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3';

/** `loadProjectAccess`, second half: the caller's membership. Parameters: userId, projectId, 0. */
export const SELECT_MEMBERSHIP =
  'SELECT "public"."project_members"."project_id", "public"."project_members"."user_id", ' +
  '"public"."project_members"."role"::text FROM "public"."project_members" WHERE ' +
  '("public"."project_members"."user_id" = $1 AND "public"."project_members"."project_id" = $2) OFFSET $3';

/** `TaskService.list` without filters or cursor. Parameters: projectId, limit + 1, 0. */
export const SELECT_TASK_PAGE =
  `SELECT ${TASK_COLUMNS} FROM "public"."tasks" WHERE "public"."tasks"."project_id" = $1 ` +
  'ORDER BY "public"."tasks"."id" ASC LIMIT $2 OFFSET $3';

/** `TaskService.load`: one task by id. Parameters: id, 1, 0. */
export const SELECT_TASK = `SELECT ${TASK_COLUMNS} FROM "public"."tasks" WHERE ("public"."tasks"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3`;

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
