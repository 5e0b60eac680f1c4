import { http, HttpResponse, type HttpHandler, type RequestHandlerOptions } from 'msw';
import { mockRoutes, type MockHandlers } from '../generated/mock-handlers.ts';
import type { OperationId } from '../generated/types.ts';
import { problemFactory } from './factories.ts';
import type { MockRoute, ProblemBody, ProblemResponse } from './types.ts';

export interface MockHandlersOptions {
  /**
   * The `baseUrl` your Taskboard client uses, e.g. `https://api.test` or an API Gateway stage URL.
   * `*` matches any origin and prefix.
   * @default '*'
   */
  baseUrl?: string;
}

/**
 * An `application/problem+json` response like the API's, for a resolver to return:
 * `mock.getTask(() => problemResponse(404))`. The status is part of the type, so a mock can only
 * answer with a status its operation declares.
 */
export function problemResponse<S extends number>(
  status: S,
  overrides: Partial<ProblemBody<S>> = {},
  init: { headers?: Record<string, string> } = {},
): ProblemResponse<S> {
  const body = problemFactory<S>({ ...overrides, status });
  const response = HttpResponse.json<ProblemBody<S>>(body, {
    status,
    headers: { 'content-type': 'application/problem+json', ...init.headers },
  });
  // The brand exists only in the type: the status it carries is the response's own.
  return response as unknown as ProblemResponse<S>;
}

type AnyResolver = (info: Record<string, unknown>) => unknown;

/**
 * One typed MSW handler factory per operation of the contract:
 *
 *   const mock = createMockHandlers({ baseUrl: 'https://api.test' });
 *   server.use(mock.getTask(({ params }) => taskFactory({ id: params.taskId })));
 */
export function createMockHandlers(options: MockHandlersOptions = {}): MockHandlers {
  const base = (options.baseUrl ?? '*').replace(/\/+$/, '');
  const handlers: Record<string, (resolver: AnyResolver, options?: RequestHandlerOptions) => HttpHandler> = {};
  for (const [id, route] of Object.entries(mockRoutes) as [OperationId, MockRoute][]) {
    handlers[id] = (resolver, handlerOptions) =>
      http[route.method](
        `${base}${route.path}`,
        async ({ request, params, requestId }) => {
          let body: unknown;
          if (route.body) {
            try {
              body = await request.clone().json();
            } catch {
              // What the API answers for a body that is not JSON; the resolver never sees it.
              return withRequestId(problemResponse(400, { type: '/problems/malformed-json' }), requestId);
            }
          }
          const query = Object.fromEntries(new URL(request.url).searchParams);
          const result = await resolver({ request, requestId, params, query, body });
          return withRequestId(toResponse(result, route.status), requestId);
        },
        handlerOptions,
      );
  }
  return handlers as unknown as MockHandlers;
}

/** A plain value becomes the success response; Responses (problems, your own) pass through. */
function toResponse(result: unknown, status: number): Response {
  if (result instanceof Response) return result;
  if (result === undefined || status === 204) return new HttpResponse(null, { status });
  const headers: Record<string, string> = {};
  // The API's ETag is the quoted version (packages/api/src/http/etag.ts); the SDK hands it back as `ifMatch`.
  const version = (result as { version?: unknown }).version;
  if (typeof version === 'number') headers['etag'] = `"${version}"`;
  return HttpResponse.json(result as Record<string, unknown>, { status, headers });
}

/** Every API response carries `x-request-id`; the SDK exposes it as `requestId`. */
function withRequestId(response: Response, requestId: string): Response {
  if (response.type !== 'error' && !response.headers.has('x-request-id')) {
    response.headers.set('x-request-id', requestId);
  }
  return response;
}
