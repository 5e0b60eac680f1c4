import type { FastifyInstance } from 'fastify';
import { authHeader, json, testStack, type UserName } from './stack.ts';

/**
 * Makes `user` a member of a project the way a real user becomes one (issue 14.1): the owner
 * invites them, they accept. Returns the accepted project as the new member sees it.
 */
export async function addMember(
  app: FastifyInstance,
  owner: Record<string, string>,
  projectId: string,
  user: UserName,
): Promise<Record<string, unknown>> {
  const invited = await app.inject({
    method: 'POST',
    url: `/v1/projects/${projectId}/invitations`,
    headers: owner,
    payload: { userId: testStack().users[user].sub },
  });
  if (invited.statusCode !== 201) throw new Error(`invite ${user}: ${invited.statusCode} ${invited.body}`);
  const accepted = await app.inject({
    method: 'POST',
    url: `/v1/invitations/${String(json(invited).id)}/accept`,
    headers: await authHeader(user),
  });
  if (accepted.statusCode !== 200) throw new Error(`accept as ${user}: ${accepted.statusCode} ${accepted.body}`);
  return json(accepted);
}

/**
 * Makes `user` a member of `projectId` with one INSERT, for tests whose subject is not how members
 * join (addMember goes through the invitation and costs requests and statements of its own).
 */
export async function addMemberDirectly(app: FastifyInstance, projectId: string, user: UserName): Promise<void> {
  await app.prisma.projectMember.create({ data: { projectId, userId: testStack().users[user].sub, role: 'member' } });
}
