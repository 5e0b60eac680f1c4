import type { IncomingMessage } from 'node:http';

/**
 * API Gateway puts the stage in the path it sends to a private integration: a call to
 * `https://<api>/live/v1/me` may reach the service as `/live/v1/me`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html ("Considerations")
 * In AWS the service template's listener rule already strips it (an ALB URL rewrite); this is the
 * service's own guarantee, so a request routes the same way whether the prefix arrives or not.
 */

/** `/` followed by an API Gateway stage name (letters, digits, `_` and `-`). */
const STAGE_PREFIX = /^\/[A-Za-z0-9_-]{1,128}$/;

export class StagePrefixError extends Error {
  override name = 'StagePrefixError';
}

/** Whether `value` is a well-formed prefix: `/` and a stage name, nothing else. */
export function isStagePrefix(value: string): boolean {
  return STAGE_PREFIX.test(value);
}

/**
 * A Fastify `rewriteUrl`: drops `prefix` when it is the whole first path segment, so routing, the
 * 405 method mirror and problem `instance`s all see the path the routes declare. Anything else
 * passes unchanged (the load balancer's health checks reach `/health/...` without a prefix).
 */
export function stagePrefixRewriter(prefix: string): (request: IncomingMessage) => string {
  // `url` is only ever unset on client-side messages; a server request always has one.
  return (request) => stripStagePrefix(prefix, String(request.url));
}

export function stripStagePrefix(prefix: string, url: string): string {
  if (!url.startsWith(prefix)) return url;
  const rest = url.slice(prefix.length);
  if (rest === '') return '/';
  if (rest.startsWith('/')) return rest;
  if (rest.startsWith('?')) return `/${rest}`;
  return url; // `/livestream` is not under `/live`
}

/**
 * Throws when a route's first segment is the prefix: `/v1/me` would then be stripped to `/me`
 * whenever it arrives without the stage, so the two paths could not be told apart.
 */
export function assertPrefixIsNotARoute(prefix: string, routeUrl: string): void {
  if (routeUrl === prefix || routeUrl.startsWith(`${prefix}/`)) {
    throw new StagePrefixError(
      `API_STAGE_PREFIX ${prefix} is also the start of the route ${routeUrl}: name the API Gateway stage differently`,
    );
  }
}
