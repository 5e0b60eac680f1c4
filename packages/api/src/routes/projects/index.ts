import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { etagOf } from '../../http/etag.ts';
import {
  commonErrors,
  errorResponses,
  IdempotencyHeaders,
  IfMatchHeaders,
  PageOf,
  PageQuery,
  refTo,
  UserId,
  Uuid,
} from '../../schemas/common.ts';
import {
  EXAMPLE_MEMBER_ID,
  EXAMPLE_PROJECT_ID,
  MEMBER_EXAMPLE,
  pageExample,
  PROJECT_EXAMPLE,
  withExamples,
} from '../../schemas/examples.ts';
import { MemberSchema, ProjectInputSchema, ProjectSchema } from '../../schemas/resources.ts';
import { createIdempotently, ifMatchVersions, secured, sendNoContent, sendVersioned } from '../route-helpers.ts';

const ProjectParams = Type.Object({ projectId: withExamples(Uuid, EXAMPLE_PROJECT_ID) });
const MemberParams = Type.Object({
  projectId: withExamples(Uuid, EXAMPLE_PROJECT_ID),
  userId: withExamples(UserId, EXAMPLE_MEMBER_ID),
});
const { 403: e403, 404: e404, 409: e409, 412: e412, 413: e413, 415: e415, 422: e422 } = errorResponses;

export async function projectRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { projects, idempotency } = app.services;

  app.get(
    '/projects',
    {
      schema: {
        operationId: 'listProjects',
        tags: ['projects'],
        summary: 'Projects the caller owns or belongs to (all projects for admins)',
        security: secured,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: withExamples(PageOf(refTo(ProjectSchema), 'ProjectPage'), pageExample(PROJECT_EXAMPLE)),
          ...commonErrors,
        },
      },
    },
    async (request) =>
      projects.list(request.principal, { limit: request.query.limit ?? 20, cursor: request.query.cursor }, request.log),
  );

  app.post(
    '/projects',
    {
      schema: {
        operationId: 'createProject',
        tags: ['projects'],
        summary: 'Create a project; the caller becomes its owner',
        security: secured,
        headers: IdempotencyHeaders,
        body: refTo(ProjectInputSchema),
        response: { 201: refTo(ProjectSchema), ...commonErrors, 413: e413, 415: e415, 422: e422 },
      },
    },
    async (request, reply) => {
      return createIdempotently(idempotency, request, reply, async (db) => {
        const project = await projects.create(db, request.principal, request.body);
        return { status: 201, body: project, etag: etagOf(project.version), location: `/v1/projects/${project.id}` };
      });
    },
  );

  app.get(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'getProject',
        tags: ['projects'],
        summary: 'One project',
        security: secured,
        params: ProjectParams,
        response: { 200: refTo(ProjectSchema), ...commonErrors, 404: e404 },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await projects.get(request.principal, request.params.projectId, request.log)),
  );

  app.put(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'replaceProject',
        tags: ['projects'],
        summary: 'Replace a project (owner only)',
        security: secured,
        params: ProjectParams,
        headers: IfMatchHeaders,
        body: refTo(ProjectInputSchema),
        response: { 200: refTo(ProjectSchema), ...commonErrors, 403: e403, 404: e404, 412: e412, 413: e413, 415: e415 },
      },
    },
    async (request, reply) => {
      const project = await projects.replace(
        request.principal,
        request.params.projectId,
        request.body,
        ifMatchVersions(request),
      );
      return sendVersioned(reply, project);
    },
  );

  app.delete(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'deleteProject',
        tags: ['projects'],
        summary: 'Delete a project and its tasks (owner only)',
        security: secured,
        params: ProjectParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Deleted' }), ...commonErrors, 403: e403, 404: e404, 412: e412 },
      },
    },
    async (request, reply) => {
      await projects.delete(request.principal, request.params.projectId, ifMatchVersions(request));
      return sendNoContent(reply);
    },
  );

  app.get(
    '/projects/:projectId/members',
    {
      schema: {
        operationId: 'listProjectMembers',
        tags: ['members'],
        summary: "A project's members, the owner included (invitees appear once they accept)",
        security: secured,
        params: ProjectParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: withExamples(PageOf(refTo(MemberSchema), 'MemberPage'), pageExample(MEMBER_EXAMPLE)),
          ...commonErrors,
          404: e404,
        },
      },
    },
    async (request) =>
      projects.listMembers(request.principal, request.params.projectId, {
        limit: request.query.limit ?? 20,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        operationId: 'getProjectMember',
        tags: ['members'],
        summary: 'One member of a project',
        security: secured,
        params: MemberParams,
        response: { 200: refTo(MemberSchema), ...commonErrors, 404: e404 },
      },
    },
    async (request) => projects.getMember(request.principal, request.params.projectId, request.params.userId),
  );

  app.delete(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        operationId: 'removeProjectMember',
        tags: ['members'],
        summary: 'Remove a member (owner only; members may remove themselves)',
        security: secured,
        params: MemberParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...commonErrors, 403: e403, 404: e404, 409: e409 },
      },
    },
    async (request, reply) => {
      await projects.removeMember(request.principal, request.params.projectId, request.params.userId);
      return sendNoContent(reply);
    },
  );
}
