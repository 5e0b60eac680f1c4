import type { FastifyRequest } from 'fastify';

/** The request's path without its query string: a problem's `instance`, an idempotency key's scope. */
export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}
