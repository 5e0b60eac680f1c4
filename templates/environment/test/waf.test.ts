// The AWS WAF web ACL on the API stage (issue 14.2). Verified only at this boundary: CDK assertions,
// cdk-nag and cfn-lint (test/cfn-lint.test.ts lints both example specs) on the synthesized template.
// How AWS WAF counts and blocks is taken from its documentation, cited below.
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import t from 'tap';
import { parseEnvironmentInputs } from '../v1/infrastructure/environment-inputs.ts';
import { ApiRateLimitWebAcl } from '../v1/infrastructure/waf.ts';
import { resourcesOfType, synthesizeExample } from './helpers/synthesized-environment.ts';

const dev = synthesizeExample('dev');
const prod = synthesizeExample('prod');

// Rate-based rules count per aggregation key (here the request's origin IP address, as API Gateway
// sees it: no X-Forwarded-For involved) over an evaluation window of 60, 120, 300 (the default) or
// 600 seconds, with a lowest limit of 10:
// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
t.test('the prod spec puts a per-IP rate-based rule on the API stage that answers 429', async (t) => {
  prod.template.resourceCountIs('AWS::WAFv2::WebACL', 1);
  prod.template.hasResourceProperties('AWS::WAFv2::WebACL', {
    Scope: 'REGIONAL',
    DefaultAction: { Allow: {} },
    Rules: [
      {
        Name: 'rate-limit-per-ip',
        Priority: 0,
        Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 2000, EvaluationWindowSec: 300 } },
        Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
      },
    ],
  });
  // Custom responses for Block actions: status code, headers and body:
  // https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
  const [[, webAcl]] = resourcesOfType(prod.json, 'AWS::WAFv2::WebACL') as [[string, Record<string, unknown>]];
  const bodies = webAcl.CustomResponseBodies as Record<string, { ContentType: string; Content: string }>;
  t.equal(bodies['rate-limited']?.ContentType, 'APPLICATION_JSON');
  t.match(JSON.parse(bodies['rate-limited']!.Content), { type: '/problems/rate-limited', status: 429 });
});

// A web ACL association names an API Gateway REST API stage by
// arn:<partition>:apigateway:<region>::/restapis/<api-id>/stages/<stage-name>:
// https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_wafv2.CfnWebACLAssociationProps.html
// (and the WAF API's AssociateWebACL: https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html)
t.test(
  'the web ACL is associated with the REST API stage by its ARN (a Ref to the stage, so created after it)',
  async (t) => {
    const [[restApiId]] = resourcesOfType(prod.json, 'AWS::ApiGateway::RestApi') as [[string, unknown]];
    const [[stageId, stage]] = resourcesOfType(prod.json, 'AWS::ApiGateway::Stage') as [
      [string, Record<string, unknown>],
    ];
    const [[webAclId]] = resourcesOfType(prod.json, 'AWS::WAFv2::WebACL') as [[string, unknown]];
    t.equal(stage.StageName, 'live');
    prod.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:eu-west-1::/restapis/',
            { Ref: restApiId },
            '/stages/',
            { Ref: stageId },
          ],
        ],
      },
      WebACLArn: { 'Fn::GetAtt': [webAclId, 'Arn'] },
    });
  },
);

t.test('off by default: the dev spec has no web ACL, and cdk-nag APIG3 is acknowledged only there', async (t) => {
  dev.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  dev.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  const defaults = parseEnvironmentInputs({ environment_name: 'qa' });
  t.equal(defaults.waf_enabled, false);
  t.equal(defaults.waf_rate_limit, 2000);
  t.equal(defaults.waf_rate_limit_window_seconds, 300);

  const acknowledged = (stack: Stack): string[] =>
    stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.keys(entry.data as Record<string, unknown>));
  t.ok(
    acknowledged(dev.stack).some((id) => id.endsWith('AwsSolutions-APIG3')),
    'dev: accepted without a web ACL',
  );
  t.notOk(
    acknowledged(prod.stack).some((id) => id.endsWith('AwsSolutions-APIG3')),
    'prod: not acknowledged',
  );
  // cdk-nag's APIG3 passes on its own merits in prod: it finds the association to this stage.
  const report = new AwsSolutionsChecks().validateScope(prod.stack);
  t.same(
    report.violations.filter((v) => v.ruleName.includes('APIG3')),
    [],
    'prod: no APIG3 violation',
  );
});

t.test('the spec rejects limits and windows AWS WAF does not accept', async (t) => {
  const problems = (spec: Record<string, unknown>): string => {
    try {
      parseEnvironmentInputs({ environment_name: 'qa', ...spec });
      return '';
    } catch (error) {
      return String(error);
    }
  };
  t.match(problems({ waf_rate_limit: 9 }), /waf_rate_limit/);
  t.match(problems({ waf_rate_limit_window_seconds: 30 }), /waf_rate_limit_window_seconds/);
  t.equal(problems({ waf_enabled: true, waf_rate_limit: 10, waf_rate_limit_window_seconds: 60 }), '');
});

t.test('ApiRateLimitWebAcl rejects impossible props with precise errors', async (t) => {
  const stack = new Stack(undefined, 'Test', { env: { region: 'eu-west-1' } });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET');
  const stage = api.deploymentStage;
  t.throws(() => new ApiRateLimitWebAcl(stack, 'A', { stage, rateLimit: 9, name: 'x' }), {
    message: 'ApiRateLimitWebAcl: rateLimit must be a whole number from 10 to 2000000000, got 9',
  });
  t.throws(() => new ApiRateLimitWebAcl(stack, 'B', { stage, rateLimit: 100.5, name: 'x' }), {
    message: /whole number/,
  });
  t.throws(
    () =>
      new ApiRateLimitWebAcl(stack, 'C', { stage, rateLimit: 100, evaluationWindowSeconds: 30 as never, name: 'x' }),
    { message: 'ApiRateLimitWebAcl: evaluationWindowSeconds must be one of 60, 120, 300, 600, got 30' },
  );
  t.throws(() => new ApiRateLimitWebAcl(stack, 'D', { stage, rateLimit: 100, name: 'a b' }), {
    message: /name must be/,
  });
  const ok = new ApiRateLimitWebAcl(stack, 'E', { stage, rateLimit: 100, name: 'ok' });
  t.ok(ok.webAcl.attrArn);
});
