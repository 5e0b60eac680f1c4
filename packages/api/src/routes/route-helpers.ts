import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, requiredVersions } from '../http/etag.ts';
import { pathOf } from '../http/request-path.ts';
import type { Db } from '../db/prisma-client.ts';
import type { IdempotencyStore, RunOptions, StoredResponse } from '../services/idempotency.ts';

export const secured = [{ bearerAuth: [] }];

/** Sends a versioned representation with its ETag. */
export function sendVersioned<T extends { version: number }>(
  reply: FastifyReply,
  value: T,
  status = 200,
): FastifyReply {
  return reply.code(status).header('etag', etagOf(value.version)).send(value);
}

/** Answers 204 with no body (the contract's 204 schema is `null`, which would otherwise require a payload). */
export function sendNoContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}

/** Sends the response of an idempotent POST, first-time or replayed. */
export function sendStored(reply: FastifyReply, response: StoredResponse): FastifyReply {
  if (response.etag) reply.header('etag', response.etag);
  if (response.location) reply.header('location', response.location);
  if (response.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(response.status).send(response.body);
}

export function ifMatchVersions(request: FastifyRequest): readonly number[] | undefined {
  const header = request.headers['if-match'];
  return requiredVersions(Array.isArray(header) ? header.join(',') : header);
}

export function idempotencyKey(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Runs a create under the caller's Idempotency-Key (if any) and sends its response,
 * first-time or replayed. A create that needs rights in a project (not just a signed-in caller)
 * passes `beforeReplay` to check them again before a replay: `perform` checks them the first time.
 */
export async function createIdempotently(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  perform: (db: Db) => Promise<Omit<StoredResponse, 'replayed'>>,
  options: RunOptions = {},
): Promise<FastifyReply> {
  const response = await store.run(
    {
      userId: request.principal.userId,
      key: idempotencyKey(request),
      method: request.method,
      path: pathOf(request),
      body: request.body,
    },
    perform,
    options,
  );
  return sendStored(reply, response);
}
