import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * API Gateway answers some requests itself, before the api sees them: the Cognito authorizer's 401/403,
 * throttling's 429, the request validator's 400s, a path or method the document does not declare. By
 * default those responses carry no CORS headers, so in a browser an expired token looks like a network
 * failure, and their body is `{"message": ...}` rather than the api's problem+json.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */

/** One gateway response type, answered as the api would answer the same condition. */
export interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  /** The status sent (and written in the body); unset for the DEFAULT_* fallbacks, whose status varies. */
  readonly status?: number;
  /** The api's problem type for the same condition (packages/api/src/http/problem.ts), or about:blank. */
  readonly problemType: string;
  readonly title: string;
  /** A fixed `detail`, where API Gateway's own message would mislead. @default its message */
  readonly detail?: string;
  /** Headers beyond CORS and Content-Type, as gateway response parameter values (static values quoted). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The specific types with a known status (their defaults from supported-gateway-response-types, except
 * MISSING_AUTHENTICATION_TOKEN), then
 * DEFAULT_4XX and DEFAULT_5XX, which cover every other type: their status varies, so their body omits
 * `status` (optional in RFC 9457; clients read the HTTP status, as the SDK does).
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    status: 401,
    problemType: '/problems/unauthorized',
    title: 'Authentication required',
    // What the api itself sends with a 401 (plugins/errors.ts), so clients handle both the same way.
    headers: { 'WWW-Authenticate': `'Bearer error="invalid_token"'` },
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    status: 403,
    problemType: '/problems/forbidden',
    title: 'Not allowed',
  },
  {
    // What a path or method the document does not declare gets ("Missing Authentication Token", 403:
    // there is no IAM auth here, so it means nothing else). The api answers the same request 404.
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    problemType: '/problems/not-found',
    title: 'Resource not found',
    detail: 'No route for this method and path',
  },
  {
    type: apigateway.ResponseType.THROTTLED,
    status: 429,
    problemType: '/problems/rate-limited',
    title: 'Too many requests',
    // Stage throttling refills every second; the SDK waits for Retry-After before it retries.
    headers: { 'Retry-After': `'1'` },
  },
  {
    type: apigateway.ResponseType.BAD_REQUEST_BODY,
    status: 400,
    problemType: '/problems/validation-error',
    title: 'Request validation failed',
  },
  {
    type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
    status: 400,
    problemType: '/problems/validation-error',
    title: 'Request validation failed',
  },
  {
    type: apigateway.ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    problemType: '/problems/payload-too-large',
    title: 'Payload too large',
  },
  {
    type: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE,
    status: 415,
    problemType: '/problems/unsupported-media-type',
    title: 'Unsupported media type',
  },
  {
    type: apigateway.ResponseType.INTEGRATION_TIMEOUT,
    status: 504,
    problemType: 'about:blank',
    title: 'Gateway Timeout',
  },
  {
    type: apigateway.ResponseType.INTEGRATION_FAILURE,
    status: 504,
    problemType: 'about:blank',
    title: 'Gateway Timeout',
  },
  { type: apigateway.ResponseType.DEFAULT_4XX, problemType: 'about:blank', title: 'Request rejected' },
  { type: apigateway.ResponseType.DEFAULT_5XX, problemType: 'about:blank', title: 'Server error' },
];

export interface GatewayResponseCors {
  /** The origins the API's preflight allows (scheme://host[:port]); empty: no CORS headers. */
  readonly allowOrigins: readonly string[];
  /** Response headers a browser script may read (the api's list). */
  readonly exposeHeaders: readonly string[];
}

/**
 * The CORS headers of a gateway response. A gateway response header is a static value or a request
 * parameter (`method.request.header.<name>`), with no condition, so API Gateway cannot pick one of
 * several allowed origins per request the way its preflight (a VTL template) does.
 *
 * One origin: that origin, statically. Several: the request's own Origin, echoed, with `Vary: Origin`
 * so no cache hands one origin's answer to another. Echoing lets any page read these error responses,
 * which is safe here and only here: they are generated by API Gateway before the backend runs (an
 * error title, a message, API Gateway's request id: nothing a plain HTTP client could not fetch), the
 * API authenticates with a bearer token a page must hold itself, never with cookies, and no response
 * sets Access-Control-Allow-Credentials. The api's own responses keep its exact allow-list.
 */
export function gatewayCorsHeaders(cors: GatewayResponseCors): Record<string, string> {
  if (cors.allowOrigins.length === 0) return {};
  const exposed = { 'Access-Control-Expose-Headers': `'${cors.exposeHeaders.join(',')}'` };
  if (cors.allowOrigins.length === 1) return { 'Access-Control-Allow-Origin': `'${cors.allowOrigins[0]}'`, ...exposed };
  return { 'Access-Control-Allow-Origin': 'method.request.header.Origin', Vary: `'Origin'`, ...exposed };
}

/** The problem+json body: `$context.error.messageString` is the message already quoted as a JSON string. */
export function problemTemplate(problem: GatewayProblem): string {
  const status = problem.status === undefined ? '' : `"status":${problem.status},`;
  const detail = problem.detail === undefined ? '$context.error.messageString' : JSON.stringify(problem.detail);
  return `{"type":"${problem.problemType}","title":"${problem.title}",${status}"detail":${detail},"requestId":"$context.requestId"}`;
}

/** Adds a gateway response for every {@link GATEWAY_PROBLEMS} type to `api`. */
export function addProblemGatewayResponses(api: apigateway.RestApi, cors: GatewayResponseCors): void {
  const corsHeaders = gatewayCorsHeaders(cors);
  for (const problem of GATEWAY_PROBLEMS) {
    api.addGatewayResponse(`Gateway${problem.type.responseType}`, {
      type: problem.type,
      ...(problem.status === undefined ? {} : { statusCode: String(problem.status) }),
      responseHeaders: {
        'Content-Type': `'application/problem+json'`,
        ...corsHeaders,
        ...problem.headers,
      },
      templates: { 'application/json': problemTemplate(problem) },
    });
  }
}
