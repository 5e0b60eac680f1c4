import type { FastifyRequest } from 'fastify';

/** What a caller's `x-request-id` may look like: anything else is dropped, never logged. */
export const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's own `x-request-id`, if it has an acceptable shape. It is only ever recorded next to
 * the server-generated request id (as `clientRequestId`), never used as the request id: two callers
 * can send the same value, so it cannot identify a request or a person.
 */
export function clientRequestIdOf(request: FastifyRequest): string | undefined {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
}
