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
  EXAMPLE_PROJECT_ID,
  EXAMPLE_TASK_ID,
  pageExample,
  TASK_EXAMPLE,
  withExamples,
} from '../../schemas/examples.ts';
import { TaskInputSchema, TaskSchema, TaskStatusSchema } from '../../schemas/resources.ts';
import { createIdempotently, ifMatchVersions, secured, sendNoContent, sendVersioned } from '../route-helpers.ts';

const ProjectParams = Type.Object({ projectId: withExamples(Uuid, EXAMPLE_PROJECT_ID) });
const TaskParams = Type.Object({ taskId: withExamples(Uuid, EXAMPLE_TASK_ID) });
const { 403: e403, 404: e404, 412: e412, 413: e413, 415: e415, 422: e422 } = errorResponses;

export async function taskRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { tasks, idempotency } = app.services;

  app.get(
    '/projects/:projectId/tasks',
    {
      schema: {
        operationId: 'listTasks',
        tags: ['tasks'],
        summary: "A project's tasks, oldest first, optionally filtered",
        security: secured,
        params: ProjectParams,
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(TaskStatusSchema),
            assigneeId: Type.Optional(UserId),
          },
          { additionalProperties: false },
        ),
        response: {
          200: withExamples(PageOf(refTo(TaskSchema), 'TaskPage'), pageExample(TASK_EXAMPLE)),
          ...commonErrors,
          404: e404,
        },
      },
    },
    async (request) => {
      const { limit, cursor, status, assigneeId } = request.query;
      return tasks.list(
        request.principal,
        request.params.projectId,
        { limit: limit ?? 20, cursor, status, assigneeId },
        request.log,
      );
    },
  );

  app.post(
    '/projects/:projectId/tasks',
    {
      schema: {
        operationId: 'createTask',
        tags: ['tasks'],
        summary: 'Create a task (members)',
        security: secured,
        params: ProjectParams,
        headers: IdempotencyHeaders,
        body: refTo(TaskInputSchema),
        response: { 201: refTo(TaskSchema), ...commonErrors, 403: e403, 404: e404, 413: e413, 415: e415, 422: e422 },
      },
    },
    async (request, reply) => {
      return createIdempotently(
        idempotency,
        request,
        reply,
        async (db) => {
          const task = await tasks.create(db, request.principal, request.params.projectId, request.body);
          return { status: 201, body: task, etag: etagOf(task.version), location: `/v1/tasks/${task.id}` };
        },
        {
          // Someone removed from the project since gets what a non-member gets, not the stored 201.
          beforeReplay: () => tasks.requireMember(request.principal, request.params.projectId),
        },
      );
    },
  );

  app.get(
    '/tasks/:taskId',
    {
      schema: {
        operationId: 'getTask',
        tags: ['tasks'],
        summary: 'One task',
        security: secured,
        params: TaskParams,
        response: { 200: refTo(TaskSchema), ...commonErrors, 404: e404 },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await tasks.get(request.principal, request.params.taskId, request.log)),
  );

  app.put(
    '/tasks/:taskId',
    {
      schema: {
        operationId: 'replaceTask',
        tags: ['tasks'],
        summary: 'Replace a task (members); omitted optional fields reset to their defaults',
        security: secured,
        params: TaskParams,
        headers: IfMatchHeaders,
        body: refTo(TaskInputSchema),
        response: {
          200: refTo(TaskSchema),
          ...commonErrors,
          403: e403,
          404: e404,
          412: e412,
          413: e413,
          415: e415,
          422: e422,
        },
      },
    },
    async (request, reply) =>
      sendVersioned(
        reply,
        await tasks.replace(request.principal, request.params.taskId, request.body, ifMatchVersions(request)),
      ),
  );

  app.delete(
    '/tasks/:taskId',
    {
      schema: {
        operationId: 'deleteTask',
        tags: ['tasks'],
        summary: 'Delete a task (members)',
        security: secured,
        params: TaskParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Deleted' }), ...commonErrors, 403: e403, 404: e404, 412: e412 },
      },
    },
    async (request, reply) => {
      await tasks.delete(request.principal, request.params.taskId, ifMatchVersions(request));
      return sendNoContent(reply);
    },
  );
}
