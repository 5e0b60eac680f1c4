// API Gateway's own responses (authorizer 401/403, throttling 429, validator 400s, undeclared paths,
// integration timeouts) carry CORS headers and a problem+json body, like the api's.
// Gateway responses and the values their headers may take (static, or method.request.*):
//   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
//   https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-gateway-response-using-the-console.html
// Types and their default status codes:
//   https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
// Verified only on the synthesized template: what a browser sees needs a deployed API.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import t from 'tap';
import { DEFAULT_OPENAPI_PATH } from '../v1/infrastructure/app.ts';
import { GATEWAY_PROBLEMS } from '../v1/infrastructure/gateway-responses.ts';
import {
  corsPolicyOf,
  loadOpenApiDocument,
  parseOpenApiDocument,
  type OpenApiDocument,
} from '../v1/infrastructure/openapi-document.ts';
import { RestApiFromOpenApi } from '../v1/infrastructure/rest-api-from-openapi.ts';
import { FIXTURE_OPENAPI, resourcesOfType, synthesizeExample } from './helpers/synthesized-environment.ts';

type Properties = Record<string, unknown>;
const dev = synthesizeExample('dev');
const apiPolicy = corsPolicyOf(loadOpenApiDocument(DEFAULT_OPENAPI_PATH));

function gatewayResponses(json: { Resources: Record<string, { Type: string; Properties?: Properties }> }) {
  return new Map(resourcesOfType(json, 'AWS::ApiGateway::GatewayResponse').map(([, p]) => [String(p.ResponseType), p]));
}

/** The body API Gateway would send, with the VTL variables it fills in. */
function renderBody(template: string): Record<string, unknown> {
  return JSON.parse(
    template.replaceAll('$context.error.messageString', '"Unauthorized"').replaceAll('$context.requestId', 'req-1'),
  ) as Record<string, unknown>;
}

t.test('every gateway response type we answer has a problem+json body and its status', async (t) => {
  const responses = gatewayResponses(dev.json);
  t.same([...responses.keys()].sort(), GATEWAY_PROBLEMS.map((p) => p.type.responseType).sort());
  for (const types of ['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED']) {
    t.ok(responses.has(types), `${types} is customised`);
  }
  for (const [type, response] of responses) {
    const parameters = response.ResponseParameters as Record<string, string>;
    t.equal(parameters['gatewayresponse.header.Content-Type'], "'application/problem+json'", type);
    const body = renderBody((response.ResponseTemplates as Record<string, string>)['application/json']!);
    t.match(body, { type: String, title: String, detail: String, requestId: 'req-1' }, `${type} body`);
    if (type.startsWith('DEFAULT_')) {
      t.equal(response.StatusCode, undefined, `${type} keeps each response's own status`);
      t.equal(body.status, undefined, `${type} body has no status it could get wrong`);
    } else {
      t.equal(body.status, Number(response.StatusCode), `${type} body status is the one sent`);
    }
  }
});

t.test('the answers mirror the api: 401 with WWW-Authenticate, 429 with Retry-After, unknown paths 404', async (t) => {
  const responses = gatewayResponses(dev.json);
  const unauthorized = responses.get('UNAUTHORIZED')!;
  t.equal(unauthorized.StatusCode, '401');
  t.equal(
    (unauthorized.ResponseParameters as Record<string, string>)['gatewayresponse.header.WWW-Authenticate'],
    `'Bearer error="invalid_token"'`,
  );
  t.match(renderBody((unauthorized.ResponseTemplates as Record<string, string>)['application/json']!), {
    type: '/problems/unauthorized',
    status: 401,
    detail: 'Unauthorized',
  });
  const throttled = responses.get('THROTTLED')!;
  t.equal(throttled.StatusCode, '429');
  t.equal((throttled.ResponseParameters as Record<string, string>)['gatewayresponse.header.Retry-After'], "'1'");
  // API Gateway's default for an undeclared path or method is 403 "Missing Authentication Token".
  const missing = responses.get('MISSING_AUTHENTICATION_TOKEN')!;
  t.equal(missing.StatusCode, '404');
  t.match(renderBody((missing.ResponseTemplates as Record<string, string>)['application/json']!), {
    type: '/problems/not-found',
    detail: 'No route for this method and path',
  });
});

t.test('with one origin, every gateway response names it and exposes the api headers', async (t) => {
  for (const [type, response] of gatewayResponses(dev.json)) {
    const parameters = response.ResponseParameters as Record<string, string>;
    t.equal(parameters['gatewayresponse.header.Access-Control-Allow-Origin'], "'http://localhost:5173'", type);
    t.equal(
      parameters['gatewayresponse.header.Access-Control-Expose-Headers'],
      `'${apiPolicy.exposeHeaders.join(',')}'`,
      `${type}: a browser can read the same headers as on the api's responses`,
    );
    t.equal(parameters['gatewayresponse.header.Vary'], undefined, 'a static origin needs no Vary');
  }
});

function restApiWith(origins: readonly string[], document?: OpenApiDocument, stageName?: string): Template {
  const stack = new Stack(undefined, 'Test', { env: { region: 'eu-west-1' } });
  new RestApiFromOpenApi(stack, 'Api', {
    restApiName: 'test',
    document: document ?? loadOpenApiDocument(FIXTURE_OPENAPI),
    userPool: new cognito.UserPool(stack, 'Pool'),
    target: { vpcLinkId: 'vpclink', loadBalancerArn: 'arn', loadBalancerDnsName: 'alb.internal' },
    corsAllowedOrigins: origins,
    ...(stageName ? { stageName } : {}),
  });
  return Template.fromStack(stack);
}

t.test('with several origins, the request Origin is echoed with Vary: Origin', async (t) => {
  const template = restApiWith(['https://a.example', 'https://b.example']);
  const responses = gatewayResponses(template.toJSON() as Parameters<typeof gatewayResponses>[0]);
  t.equal(responses.size, GATEWAY_PROBLEMS.length);
  for (const [type, response] of responses) {
    const parameters = response.ResponseParameters as Record<string, string>;
    t.equal(parameters['gatewayresponse.header.Access-Control-Allow-Origin'], 'method.request.header.Origin', type);
    t.equal(parameters['gatewayresponse.header.Vary'], "'Origin'", type);
    t.equal(parameters['gatewayresponse.header.Access-Control-Allow-Credentials'], undefined, 'never credentials');
  }
  // The fixture's own list, not a copy kept in the template.
  const options = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } });
  t.match(JSON.stringify(options), /x-fixture-header/);
});

t.test('without origins, gateway responses keep their problem bodies but send no CORS headers', async (t) => {
  const responses = gatewayResponses(restApiWith([]).toJSON() as Parameters<typeof gatewayResponses>[0]);
  t.equal(responses.size, GATEWAY_PROBLEMS.length);
  for (const [type, response] of responses) {
    t.notMatch(Object.keys(response.ResponseParameters as Properties).join(), /Access-Control/, type);
  }
});

t.test('origins need the api to have published its CORS allow-list; the stage may not shadow a route', async (t) => {
  const withoutPolicy = parseOpenApiDocument(
    { ...loadOpenApiDocument(FIXTURE_OPENAPI), 'x-taskboard-cors': undefined },
    'test',
  );
  t.throws(() => restApiWith(['https://a.example'], withoutPolicy), {
    message: /"x-taskboard-cors" is missing from the OpenAPI document: run `npm run openapi -w @taskboard\/api`/,
  });
  t.doesNotThrow(() => restApiWith([], withoutPolicy), 'no browsers, no policy needed');
  const malformed = (policy: unknown) =>
    corsPolicyOf(parseOpenApiDocument({ ...loadOpenApiDocument(FIXTURE_OPENAPI), 'x-taskboard-cors': policy }, 't'));
  t.throws(() => malformed({ allowHeaders: ['Authorization'], exposeHeaders: [], maxAgeSeconds: 1 }), {
    message: /allowHeaders must be a list of lower-case header names/,
  });
  t.throws(() => malformed({ allowHeaders: [], exposeHeaders: 'etag', maxAgeSeconds: 1 }), {
    message: /exposeHeaders must be a list/,
  });
  t.throws(() => malformed({ allowHeaders: [], exposeHeaders: [], maxAgeSeconds: -1 }), {
    message: /maxAgeSeconds must be a whole number/,
  });
  t.throws(() => restApiWith([], undefined, 'v1'), {
    message: 'RestApiFromOpenApi: stageName "v1" is also the first segment of a path in the document',
  });
});
