import type { FastifyRequest } from 'fastify';

/** The operation of requests no route matched (the router's 404 and 405). */
export const UNMATCHED_OPERATION = 'unmatched';

/**
 * What a request's operation is called: its route's OpenAPI operationId, else the route's URL (e.g.
 * /docs/json). The one definition for the metrics' Operation dimension (plugins/metrics.ts) and the
 * `operation` field of the request's log line (plugins/request-log.ts), so the two can be joined.
 */
export function operationName(route: { readonly schema?: unknown; readonly url: string }): string {
  const operationId = (route.schema as { operationId?: unknown } | undefined)?.operationId;
  return typeof operationId === 'string' ? operationId : route.url;
}

/** The operation of a request being answered, `unmatched` when no route matched. */
export function requestOperation(request: FastifyRequest): string {
  const route = request.routeOptions;
  return route.url === undefined ? UNMATCHED_OPERATION : operationName({ schema: route.schema, url: route.url });
}
