-- Issue 14.4: a task's assignee is always a member of the task's project, enforced by the database.
--
-- Until now only the api checked it, before its UPDATE, so removing a member while their tasks
-- were being updated left tasks assigned to a non-member (117 of 200 in the issue's run). The
-- composite foreign key below is checked in the same statement as every write of assignee_id,
-- and removing the membership clears the assignee in the same statement as the DELETE.
--
-- Prisma's schema language cannot say "SET NULL only assignee_id" (PostgreSQL 15+ column list):
-- its SetNull means every column of the key, project_id included, which is NOT NULL. So this file
-- is written by hand. schema.prisma declares the relation with onDelete: SetNull and the map name
-- below (Prisma warns about SetNull on a required field), which is what Prisma reads back from
-- the database, so its drift check stays exact. The column list it cannot see is checked by
-- test/migrations.test.ts on the migrated database.

-- Existing data: clear assignees who are not members of the task's project (they would violate
-- the constraint). The version bump tells clients holding an ETag that the task changed.
UPDATE "tasks" AS t
SET "assignee_id" = NULL, "version" = t."version" + 1, "updated_at" = CURRENT_TIMESTAMP
WHERE t."assignee_id" IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM "project_members" m WHERE m."project_id" = t."project_id" AND m."user_id" = t."assignee_id"
  );

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_membership_fkey"
  FOREIGN KEY ("project_id", "assignee_id") REFERENCES "project_members"("project_id", "user_id")
  ON DELETE SET NULL ("assignee_id") ON UPDATE NO ACTION;

-- A cleared assignee is a changed task: bump its version (its ETag) like every api write does.
-- The api's own UPDATEs always increment version themselves (so NEW.version differs), and this
-- catches the ones the foreign key's ON DELETE action makes, which leave version as it was.
--
-- The body is an E'' string with \073 for each semicolon: the offline migrator (adapter-pg's
-- executeScript, see src/db/schema-engine.ts) splits a script at every semicolon character,
-- comments and dollar quotes included. PostgreSQL reads the same body either way. For the same
-- reason no comment in this file holds a semicolon.
CREATE FUNCTION "tasks_bump_version_on_cleared_assignee"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN NEW."version" := OLD."version" + 1\073 NEW."updated_at" := CURRENT_TIMESTAMP\073 RETURN NEW\073 END';

CREATE TRIGGER "tasks_bump_version_on_cleared_assignee"
BEFORE UPDATE OF "assignee_id" ON "tasks"
FOR EACH ROW
WHEN (OLD."assignee_id" IS NOT NULL AND NEW."assignee_id" IS NULL AND NEW."version" = OLD."version")
EXECUTE FUNCTION "tasks_bump_version_on_cleared_assignee"();
