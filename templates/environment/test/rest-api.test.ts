// API Gateway generated from OpenAPI: checked against the api's real openapi.json and against a
// small OpenAPI 3.1 fixture that exercises the edge cases (refs, type arrays, security overrides).
import { existsSync, readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { DEFAULT_OPENAPI_PATH } from '../v1/infrastructure/app.ts';
import { corsPolicyOf, listOperations, loadOpenApiDocument } from '../v1/infrastructure/openapi-document.ts';
import {
  FIXTURE_OPENAPI,
  resourcesOfType,
  synthesizeExample,
  type SynthesizedEnvironment,
} from './helpers/synthesized-environment.ts';

const sources: Array<{ name: string; path: string; synthesized: SynthesizedEnvironment }> = [
  { name: 'fixture', path: FIXTURE_OPENAPI, synthesized: synthesizeExample('dev', FIXTURE_OPENAPI) },
];
if (existsSync(DEFAULT_OPENAPI_PATH)) {
  sources.push({
    name: 'packages/api/openapi.json',
    path: DEFAULT_OPENAPI_PATH,
    synthesized: synthesizeExample('dev'),
  });
}

type Properties = Record<string, unknown>;
function methodsOf(synthesized: SynthesizedEnvironment): Properties[] {
  return resourcesOfType(synthesized.json, 'AWS::ApiGateway::Method').map(([, p]) => p);
}
function operationMethods(synthesized: SynthesizedEnvironment): Properties[] {
  return methodsOf(synthesized).filter((m) => m.HttpMethod !== 'OPTIONS');
}
function resourcePaths(synthesized: SynthesizedEnvironment): string[] {
  return resourcesOfType(synthesized.json, 'AWS::ApiGateway::Resource').map(([, p]) => String(p.PathPart));
}

t.test(
  'the real openapi.json is present and used',
  { skip: sources.length === 1 && 'not generated yet' },
  async (t) => {
    t.ok(sources.some((s) => s.name === 'packages/api/openapi.json'));
  },
);

for (const { name, path, synthesized } of sources) {
  const operations = listOperations(loadOpenApiDocument(path));
  const byOperationId = new Map(operationMethods(synthesized).map((m) => [String(m.OperationName), m]));

  t.test(`[${name}] one API Gateway method per OpenAPI operation, no greedy proxy`, async (t) => {
    t.equal(operationMethods(synthesized).length, operations.length);
    for (const operation of operations) {
      const method = byOperationId.get(operation.operationId);
      t.ok(method, operation.operationId);
      t.equal(method?.HttpMethod, operation.method, `${operation.operationId} method`);
    }
    t.notOk(
      resourcePaths(synthesized).some((part) => part.includes('+')),
      'no {proxy+} resource',
    );
    t.notOk(
      methodsOf(synthesized).some((m) => m.HttpMethod === 'ANY'),
      'no ANY method',
    );
  });

  t.test(`[${name}] the Cognito authorizer guards every secured operation and only those`, async (t) => {
    synthesized.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('UsersUserPool'), 'Arn'] }],
    });
    t.ok(operations.some((o) => o.secured) && operations.some((o) => !o.secured), 'both kinds exist');
    for (const operation of operations) {
      const method = byOperationId.get(operation.operationId)!;
      if (operation.secured) {
        t.equal(method.AuthorizationType, 'COGNITO_USER_POOLS', `${operation.operationId} is secured`);
        t.ok(method.AuthorizerId, `${operation.operationId} has the authorizer`);
        // Scopes make API Gateway validate access tokens (what the api accepts), not ID tokens.
        t.same(
          method.AuthorizationScopes,
          ['aws.cognito.signin.user.admin'],
          `${operation.operationId} wants an access token`,
        );
      } else {
        t.equal(method.AuthorizationType, 'NONE', `${operation.operationId} is public`);
      }
    }
  });

  t.test(`[${name}] requests are validated: body and parameters, with models from the JSON schemas`, async (t) => {
    synthesized.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const operation of operations) {
      const method = byOperationId.get(operation.operationId)!;
      t.ok(method.RequestValidatorId, `${operation.operationId} has the validator`);
      t.equal(Boolean(method.RequestModels), Boolean(operation.jsonBodySchema), `${operation.operationId} model`);
      for (const parameter of operation.parameters) {
        const location = { path: 'path', query: 'querystring', header: 'header' }[parameter.in];
        t.equal(
          (method.RequestParameters as Record<string, boolean>)[`method.request.${location}.${parameter.name}`],
          parameter.required,
          `${operation.operationId} declares ${parameter.in} ${parameter.name}`,
        );
      }
    }
    for (const [, model] of resourcesOfType(synthesized.json, 'AWS::ApiGateway::Model')) {
      const schema = model.Schema as Record<string, unknown>;
      t.equal(schema.$schema, 'http://json-schema.org/draft-04/schema#');
      t.notMatch(JSON.stringify(schema), /"\$ref"|"const"|"examples"|"\$defs"/, 'draft-4 keywords only');
    }
  });

  t.test(`[${name}] private integration through the VPC link V2 to the internal ALB`, async (t) => {
    const [albId] = resourcesOfType(synthesized.json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!;
    const [linkId] = resourcesOfType(synthesized.json, 'AWS::ApiGatewayV2::VpcLink')[0]!;
    for (const method of operationMethods(synthesized)) {
      t.match(method.Integration, {
        Type: 'HTTP_PROXY',
        ConnectionType: 'VPC_LINK',
        ConnectionId: { 'Fn::GetAtt': [linkId, 'VpcLinkId'] },
        IntegrationTarget: { Ref: albId },
        IntegrationHttpMethod: method.HttpMethod,
      });
    }
  });

  // AWS: a private integration includes the stage in the path it sends unless a parameter mapping says
  // otherwise ("Considerations" in https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html).
  // Each method spells its path in the URI with every {param} mapped from the method request, and never
  // the stage; the api strips /<stage> if it arrives anyway (packages/api/test/stage-prefix.test.ts).
  t.test(`[${name}] each integration spells the operation's path, parameters mapped, never the stage`, async (t) => {
    const [albId] = resourcesOfType(synthesized.json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!;
    for (const operation of operations) {
      const integration = byOperationId.get(operation.operationId)!.Integration as Record<string, unknown>;
      t.same(
        integration.Uri,
        { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [albId, 'DNSName'] }, `:80${operation.path}`]] },
        `${operation.operationId} URI is the load balancer and ${operation.path}`,
      );
      t.notMatch(JSON.stringify(integration.Uri), /:80\/live\//, 'the stage (live) does not start the path');
      const expected = Object.fromEntries(
        [...operation.path.matchAll(/\{([^}]+)\}/g)].map(([, p]) => [
          `integration.request.path.${p}`,
          `method.request.path.${p}`,
        ]),
      );
      t.same(integration.RequestParameters ?? {}, expected, `${operation.operationId} path mapping`);
    }
  });

  // The preflight API Gateway answers in AWS must allow exactly what the api allows locally: the api
  // writes its list to the document (x-taskboard-cors; packages/api/test/cors-policy.test.ts checks it
  // against the api's own preflight), and every synthesized OPTIONS method must answer with that list.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
  t.test(`[${name}] CORS preflight at the edge allows the api's own headers, for the spec's origins`, async (t) => {
    const policy = corsPolicyOf(loadOpenApiDocument(path));
    if (name === 'packages/api/openapi.json') {
      t.ok(policy.allowHeaders.includes('traceparent'), 'browser tracing headers pass the edge preflight');
      t.ok(policy.allowHeaders.includes('tracestate'));
    }
    const options = methodsOf(synthesized).filter((m) => m.HttpMethod === 'OPTIONS');
    t.ok(options.length >= new Set(operations.map((o) => o.path)).size, 'an OPTIONS method per resource');
    for (const method of options) {
      t.equal(method.AuthorizationType, 'NONE');
      t.match(method.Integration, { Type: 'MOCK' });
      const [response] = (method.Integration as { IntegrationResponses: Array<{ ResponseParameters: Properties }> })
        .IntegrationResponses;
      const headers = response!.ResponseParameters;
      t.equal(headers['method.response.header.Access-Control-Allow-Headers'], `'${policy.allowHeaders.join(',')}'`);
      t.equal(headers['method.response.header.Access-Control-Max-Age'], `'${policy.maxAgeSeconds}'`);
      t.equal(headers['method.response.header.Access-Control-Allow-Origin'], "'http://localhost:5173'");
    }
  });

  t.test(`[${name}] the stage writes JSON access logs and throttles per the spec`, async (t) => {
    synthesized.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
    const [, stage] = resourcesOfType(synthesized.json, 'AWS::ApiGateway::Stage')[0]!;
    const format = (stage.AccessLogSetting as { Format: string }).Format;
    t.doesNotThrow(() => JSON.parse(format), 'the access log format is JSON');
  });

  t.test(`[${name}] the REST API is regional`, async () => {
    synthesized.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });
}

t.test('[fixture] OpenAPI 3.1 schemas become draft-4 request models', async (t) => {
  const synthesized = sources[0]!.synthesized;
  const [, model] = resourcesOfType(synthesized.json, 'AWS::ApiGateway::Model').find(
    ([, p]) => p.Name === 'CreateTaskBody',
  )!;
  const schema = model.Schema as { properties: Record<string, Record<string, unknown>>; required: string[] };
  t.same(schema.required, ['title']);
  t.same(schema.properties.description, { type: ['string', 'null'], maxLength: 10000 });
  t.same(schema.properties.kind, { enum: ['task'] });
  t.same(schema.properties.estimate, { type: 'number', minimum: 0, exclusiveMinimum: true });
  t.same(schema.properties.dueDate, { type: ['string', 'null'] }, 'unknown formats and examples dropped');
  t.same(schema.properties.subtasks, { type: 'array', items: {} }, 'recursion is cut');
  t.equal(JSON.parse(readFileSync(FIXTURE_OPENAPI, 'utf8')).openapi, '3.1.0');
});
