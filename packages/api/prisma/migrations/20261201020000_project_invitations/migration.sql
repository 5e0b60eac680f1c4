-- CreateTable
CREATE TABLE "project_invitations" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "invitee_id" VARCHAR(128) NOT NULL,
    "inviter_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_invitations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "project_invitations_project_id_id_idx" ON "project_invitations"("project_id", "id");

-- CreateIndex
CREATE INDEX "project_invitations_invitee_id_id_idx" ON "project_invitations"("invitee_id", "id");

-- CreateIndex
CREATE INDEX "project_invitations_inviter_id_idx" ON "project_invitations"("inviter_id");

-- CreateIndex
CREATE UNIQUE INDEX "project_invitations_project_id_invitee_id_key" ON "project_invitations"("project_id", "invitee_id");

-- AddForeignKey
ALTER TABLE "project_invitations" ADD CONSTRAINT "project_invitations_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_invitations" ADD CONSTRAINT "project_invitations_inviter_id_fkey" FOREIGN KEY ("inviter_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
