import type { FastifyInstance } from 'fastify';
import { json } from './stack.ts';

/** A row the api created, as its answer shows it. */
export type Created = Record<string, unknown> & { readonly id: string };

async function created(
  app: FastifyInstance,
  what: string,
  request: { url: string; headers: Record<string, string>; payload: Record<string, unknown> },
): Promise<Created> {
  const response = await app.inject({ method: 'POST', ...request });
  if (response.statusCode !== 201) throw new Error(`create ${what}: ${response.statusCode} ${response.body}`);
  const body = json(response);
  return { ...body, id: String(body.id) };
}

/** A project created through the api by `owner` (Authorization headers), for tests whose subject is elsewhere. */
export function createProject(
  app: FastifyInstance,
  owner: Record<string, string>,
  payload: { readonly name: string; readonly description?: string },
): Promise<Created> {
  return created(app, 'project', { url: '/v1/projects', headers: owner, payload });
}

/** A task created through the api in `projectId` by a member (Authorization headers). */
export function createTask(
  app: FastifyInstance,
  member: Record<string, string>,
  projectId: string,
  payload: { readonly title: string; readonly assigneeId?: string | null },
): Promise<Created> {
  return created(app, 'task', { url: `/v1/projects/${projectId}/tasks`, headers: member, payload });
}
