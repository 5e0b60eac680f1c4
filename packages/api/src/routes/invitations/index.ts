import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  commonErrors,
  errorResponses,
  IdempotencyHeaders,
  PageOf,
  PageQuery,
  refTo,
  Uuid,
} from '../../schemas/common.ts';
import {
  EXAMPLE_INVITATION_ID,
  EXAMPLE_PROJECT_ID,
  INVITATION_EXAMPLE,
  pageExample,
  withExamples,
} from '../../schemas/examples.ts';
import { InvitationInputSchema, InvitationSchema, ProjectSchema } from '../../schemas/resources.ts';
import { createIdempotently, secured, sendNoContent, sendVersioned } from '../route-helpers.ts';

const ProjectParams = Type.Object({ projectId: withExamples(Uuid, EXAMPLE_PROJECT_ID) });
const InvitationId = withExamples(Uuid, EXAMPLE_INVITATION_ID);
const ProjectInvitationParams = Type.Object({
  projectId: withExamples(Uuid, EXAMPLE_PROJECT_ID),
  invitationId: InvitationId,
});
const InvitationParams = Type.Object({ invitationId: InvitationId });
const InvitationPage = withExamples(PageOf(refTo(InvitationSchema), 'InvitationPage'), pageExample(INVITATION_EXAMPLE));
const { 403: e403, 404: e404, 409: e409, 413: e413, 415: e415, 422: e422 } = errorResponses;

/**
 * Membership by consent (issue 14.1; docs/decisions/0003-membership-by-invitation.md): the owner
 * invites, the invitee accepts or declines. Owner-side operations live under the project
 * (`tb.projects.invitations`), the invitee's under `/invitations` (`tb.invitations`): an invitee
 * cannot address the project itself until they have accepted.
 */
export async function invitationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { invitations, idempotency } = app.services;

  app.post(
    '/projects/:projectId/invitations',
    {
      schema: {
        operationId: 'createProjectInvitation',
        tags: ['invitations'],
        summary: 'Invite a user to the project (owner only); they become a member only by accepting',
        description:
          'The answer is the same whether or not the user id belongs to anyone, and carries no email. ' +
          'A project holds at most 100 pending invitations (409 beyond).',
        security: secured,
        params: ProjectParams,
        headers: IdempotencyHeaders,
        body: refTo(InvitationInputSchema),
        response: {
          201: refTo(InvitationSchema),
          ...commonErrors,
          403: e403,
          404: e404,
          409: e409,
          413: e413,
          415: e415,
          422: e422,
        },
      },
    },
    async (request, reply) =>
      createIdempotently(
        idempotency,
        request,
        reply,
        async (db) => ({
          status: 201,
          body: await invitations.invite(db, request.principal, request.params.projectId, request.body),
        }),
        // A replay after the project was deleted answers 404, as the request itself would.
        { beforeReplay: () => invitations.requireOwner(request.principal, request.params.projectId) },
      ),
  );

  app.get(
    '/projects/:projectId/invitations',
    {
      schema: {
        operationId: 'listProjectInvitations',
        tags: ['invitations'],
        summary: "The project's pending invitations, oldest first (owner only)",
        security: secured,
        params: ProjectParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: InvitationPage, ...commonErrors, 403: e403, 404: e404 },
      },
    },
    async (request) =>
      invitations.listForProject(request.principal, request.params.projectId, {
        limit: request.query.limit ?? 20,
        cursor: request.query.cursor,
      }),
  );

  app.delete(
    '/projects/:projectId/invitations/:invitationId',
    {
      schema: {
        operationId: 'revokeProjectInvitation',
        tags: ['invitations'],
        summary: 'Withdraw a pending invitation (owner only)',
        security: secured,
        params: ProjectInvitationParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...commonErrors, 403: e403, 404: e404 },
      },
    },
    async (request, reply) => {
      await invitations.revoke(request.principal, request.params.projectId, request.params.invitationId);
      return sendNoContent(reply);
    },
  );

  app.get(
    '/invitations',
    {
      schema: {
        operationId: 'listInvitations',
        tags: ['invitations'],
        summary: "The caller's pending invitations, oldest first",
        security: secured,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: InvitationPage, ...commonErrors },
      },
    },
    async (request) =>
      invitations.listMine(request.principal, { limit: request.query.limit ?? 20, cursor: request.query.cursor }),
  );

  app.post(
    '/invitations/:invitationId/accept',
    {
      schema: {
        operationId: 'acceptInvitation',
        tags: ['invitations'],
        summary: 'Accept an invitation: the caller joins the project, and the members see their email',
        security: secured,
        params: InvitationParams,
        response: { 200: refTo(ProjectSchema), ...commonErrors, 404: e404 },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await invitations.accept(request.principal, request.params.invitationId)),
  );

  app.post(
    '/invitations/:invitationId/decline',
    {
      schema: {
        operationId: 'declineInvitation',
        tags: ['invitations'],
        summary: 'Decline an invitation; the project stays invisible to the caller',
        security: secured,
        params: InvitationParams,
        response: { 204: Type.Null({ description: 'Declined' }), ...commonErrors, 404: e404 },
      },
    },
    async (request, reply) => {
      await invitations.decline(request.principal, request.params.invitationId);
      return sendNoContent(reply);
    },
  );
}
