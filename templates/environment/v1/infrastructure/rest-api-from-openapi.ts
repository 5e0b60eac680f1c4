import { Duration, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { toApiGatewayModelSchema } from './api-gateway-model-schema.ts';
import { addProblemGatewayResponses } from './gateway-responses.ts';
import {
  corsPolicyOf,
  listOperations,
  pathTemplateNames,
  type ApiOperation,
  type OpenApiDocument,
} from './openapi-document.ts';

/** The scope Cognito puts in access tokens issued by its own sign-in flows (not by OAuth). */
export const COGNITO_SIGN_IN_SCOPE = 'aws.cognito.signin.user.admin';

/** Where API Gateway sends requests: an internal ALB reached through a VPC link V2. */
export interface PrivateIntegrationTarget {
  /** Id of the `AWS::ApiGatewayV2::VpcLink` (VPC links V2 serve REST APIs too). */
  readonly vpcLinkId: string;
  /** ARN of the internal Application Load Balancer (the integration target). */
  readonly loadBalancerArn: string;
  /** DNS name of the load balancer: the host of every integration URI. */
  readonly loadBalancerDnsName: string;
  /** Listener port on the load balancer. @default 80 */
  readonly port?: number;
}

export interface RestApiFromOpenApiProps {
  readonly restApiName: string;
  readonly document: OpenApiDocument;
  readonly userPool: cognito.IUserPool;
  readonly target: PrivateIntegrationTarget;
  /**
   * Origins answered by the CORS preflight and named in API Gateway's own error responses. The
   * headers they may send and read are the api's, from the document's `x-taskboard-cors`.
   * @default - no CORS preflight
   */
  readonly corsAllowedOrigins?: readonly string[];
  /** Must not be the first segment of a path in the document (see the api's API_STAGE_PREFIX). @default 'live' */
  readonly stageName?: string;
  /** Steady-state requests per second for the stage. @default 100 */
  readonly throttlingRateLimit?: number;
  /** @default 200 */
  readonly throttlingBurstLimit?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * A regional REST API whose resources and methods are generated from an OpenAPI document:
 * one method per operation (no greedy proxy), the Cognito authorizer on every secured operation,
 * request validation with models from the JSON schemas, and a private integration per method that
 * sends the request to the same path on the internal load balancer.
 */
export class RestApiFromOpenApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly authorizer: apigateway.CognitoUserPoolsAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  /** Methods by operationId. */
  readonly methods: ReadonlyMap<string, apigateway.Method>;

  constructor(scope: Construct, id: string, props: RestApiFromOpenApiProps) {
    super(scope, id);
    const operations = listOperations(props.document);
    if (operations.length === 0) throw new Error('RestApiFromOpenApi: the OpenAPI document has no operations');
    const origins = props.corsAllowedOrigins ?? [];
    for (const origin of origins) {
      if (!/^https?:\/\/[^/*]+$/.test(origin)) {
        throw new Error(`RestApiFromOpenApi: corsAllowedOrigins entry "${origin}" must be scheme://host[:port]`);
      }
    }
    // The api's list, so the edge and the api cannot drift apart (only needed when browsers call).
    const cors = origins.length > 0 ? corsPolicyOf(props.document) : undefined;
    const stageName = props.stageName ?? 'live';
    const firstSegments = new Set(operations.map((operation) => operation.path.split('/')[1]));
    if (firstSegments.has(stageName)) {
      // The service strips /<stage> when it arrives (API_STAGE_PREFIX); a route starting with it would be ambiguous.
      throw new Error(
        `RestApiFromOpenApi: stageName "${stageName}" is also the first segment of a path in the document`,
      );
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName,
      description: 'Taskboard API, generated from packages/api/openapi.json',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // would log request bodies and tokens
        tracingEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
      ...(cors
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...origins],
              allowMethods: [...new Set(operations.map((operation) => operation.method))],
              allowHeaders: [...cors.allowHeaders],
              maxAge: Duration.seconds(cors.maxAgeSeconds),
            },
          }
        : {}),
    });
    // The environment exports the URL under its own name (ApiUrl); drop the L2's unnamed duplicate.
    this.api.node.tryRemoveChild('Endpoint');
    addProblemGatewayResponses(this.api, { allowOrigins: origins, exposeHeaders: cors?.exposeHeaders ?? [] });
    this.authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const methods = new Map<string, apigateway.Method>();
    for (const operation of operations) {
      const resource = this.api.root.resourceForPath(operation.path);
      const model = this.modelFor(operation, props.document);
      const method = resource.addMethod(operation.method, integrationFor(operation, props.target), {
        operationName: operation.operationId,
        requestValidator: validator,
        requestParameters: methodRequestParameters(operation),
        ...(model ? { requestModels: { 'application/json': model } } : {}),
        ...(operation.secured
          ? {
              authorizer: this.authorizer,
              authorizationType: apigateway.AuthorizationType.COGNITO,
              // Without scopes API Gateway validates the token as an *ID* token, while the api accepts
              // only access tokens; with a scope it validates access tokens, and every access token
              // from the user pool's own sign-in (SRP, refresh) carries this one.
              authorizationScopes: [COGNITO_SIGN_IN_SCOPE],
            }
          : { authorizationType: apigateway.AuthorizationType.NONE }),
      });
      // The L2 integration cannot express a VPC link V2 yet; the L1 property can.
      const cfnMethod = method.node.defaultChild as apigateway.CfnMethod;
      cfnMethod.addPropertyOverride('Integration.ConnectionType', 'VPC_LINK');
      cfnMethod.addPropertyOverride('Integration.ConnectionId', props.target.vpcLinkId);
      cfnMethod.addPropertyOverride('Integration.IntegrationTarget', props.target.loadBalancerArn);
      if (!operation.secured) acknowledgePublicOperation(method, operation);
      methods.set(operation.operationId, method);
    }
    this.methods = methods;
  }

  private modelFor(operation: ApiOperation, document: OpenApiDocument): apigateway.IModel | undefined {
    if (!operation.jsonBodySchema) return undefined;
    const modelName = `${operation.operationId.charAt(0).toUpperCase()}${operation.operationId.slice(1)}Body`;
    return this.api.addModel(`${modelName}Model`, {
      modelName,
      contentType: 'application/json',
      schema: toApiGatewayModelSchema(operation.jsonBodySchema, document) as apigateway.JsonSchema,
    });
  }
}

/**
 * HTTP proxy to the load balancer. The URI's path is the operation's own path with every `{param}`
 * mapped from the method request, so the template, not the client's URL, spells the path sent: never
 * the stage. AWS documents that a private integration nevertheless includes the stage in the path it
 * sends (`/live/v1/...`) and that removing it takes a parameter-mapping override of
 * `$context.requestOverride.path`, but gives no CloudFormation form of that override for an
 * HTTP_PROXY integration through a VPC link V2, and none can be tried offline:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html ("Considerations")
 * So the service does not depend on it: it strips `/<stage>` itself (API_STAGE_PREFIX, from the
 * ApiStageName output) and routes `/live/v1/...` and `/v1/...` alike.
 */
function integrationFor(operation: ApiOperation, target: PrivateIntegrationTarget): apigateway.Integration {
  const port = target.port ?? 80;
  const requestParameters: Record<string, string> = {};
  for (const name of pathTemplateNames(operation.path)) {
    requestParameters[`integration.request.path.${name}`] = `method.request.path.${name}`;
  }
  return new apigateway.HttpIntegration(`http://${target.loadBalancerDnsName}:${port}${operation.path}`, {
    httpMethod: operation.method,
    proxy: true,
    options: {
      requestParameters,
      timeout: Duration.seconds(29),
    },
  });
}

/** The contract says the operation is public (health checks); record that for cdk-nag. */
function acknowledgePublicOperation(method: apigateway.Method, operation: ApiOperation): void {
  const reason = `${operation.method} ${operation.path} (${operation.operationId}) has no security requirement in openapi.json: it is public by contract.`;
  Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
}

/** Declares path, query and header parameters so the validator checks the required ones. */
function methodRequestParameters(operation: ApiOperation): Record<string, boolean> {
  const location = { path: 'path', query: 'querystring', header: 'header' } as const;
  return Object.fromEntries(
    operation.parameters.map((parameter) => [
      `method.request.${location[parameter.in]}.${parameter.name}`,
      parameter.required,
    ]),
  );
}

/** One JSON line per request: enough to trace a call to the service's own log line by request id. */
function accessLogFormat(): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: apigateway.AccessLogField.contextRequestId(),
      extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
      ip: apigateway.AccessLogField.contextIdentitySourceIp(),
      userAgent: apigateway.AccessLogField.contextIdentityUserAgent(),
      requestTime: apigateway.AccessLogField.contextRequestTime(),
      httpMethod: apigateway.AccessLogField.contextHttpMethod(),
      resourcePath: apigateway.AccessLogField.contextResourcePath(),
      status: apigateway.AccessLogField.contextStatus(),
      protocol: apigateway.AccessLogField.contextProtocol(),
      responseLength: apigateway.AccessLogField.contextResponseLength(),
      responseLatency: apigateway.AccessLogField.contextResponseLatency(),
      integrationLatency: apigateway.AccessLogField.contextIntegrationLatency(),
      integrationStatus: apigateway.AccessLogField.contextIntegrationStatus(),
      userId: apigateway.AccessLogField.contextAuthorizerClaims('sub'),
      errorMessage: apigateway.AccessLogField.contextErrorMessage(),
    }),
  );
}
