import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Evaluation windows AWS WAF accepts for a rate-based rule, in seconds. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;
export type WafEvaluationWindow = (typeof WAF_EVALUATION_WINDOWS)[number];
/** The lowest and highest request limits AWS WAF accepts for a rate-based rule. */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;

export interface ApiRateLimitWebAclProps {
  /** The REST API stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /** Requests one client IP address may send per evaluation window before it is blocked. */
  readonly rateLimit: number;
  /** How far back, in seconds, AWS WAF counts a client's requests. @default 300 */
  readonly evaluationWindowSeconds?: WafEvaluationWindow;
  /** Prefix of the web ACL's name and metric names. */
  readonly name: string;
}

/** The body of a blocked request: the api's own problem+json shape, so clients branch on one `type`. */
const RATE_LIMITED_BODY = JSON.stringify({
  type: '/problems/rate-limited',
  title: 'Too many requests',
  status: 429,
  detail: 'Too many requests from this address; try again in a few minutes',
});

/**
 * An AWS WAF web ACL on the REST API stage with one rate-based rule per client IP address: the
 * stage's own throttle (api_throttle_*) is shared by every caller, so one client could use it all.
 * Requests over the limit get 429 with a problem body; everything else is allowed. The api keeps its
 * own per-user and per-address limits behind it (packages/api, docs/reliability.md).
 * The web ACL and its association are verified by CDK assertions, cdk-nag (AwsSolutions-APIG3) and
 * cfn-lint only; how AWS WAF counts and blocks is taken from its documentation.
 */
export class ApiRateLimitWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly association: wafv2.CfnWebACLAssociation;

  constructor(scope: Construct, id: string, props: ApiRateLimitWebAclProps) {
    super(scope, id);
    const window = props.evaluationWindowSeconds ?? 300;
    if (
      !Number.isInteger(props.rateLimit) ||
      props.rateLimit < WAF_RATE_LIMIT_MIN ||
      props.rateLimit > WAF_RATE_LIMIT_MAX
    ) {
      throw new Error(
        `ApiRateLimitWebAcl: rateLimit must be a whole number from ${WAF_RATE_LIMIT_MIN} to ${WAF_RATE_LIMIT_MAX}, got ${props.rateLimit}`,
      );
    }
    if (!(WAF_EVALUATION_WINDOWS as readonly number[]).includes(window)) {
      throw new Error(
        `ApiRateLimitWebAcl: evaluationWindowSeconds must be one of ${WAF_EVALUATION_WINDOWS.join(', ')}, got ${window}`,
      );
    }
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(props.name)) {
      throw new Error(`ApiRateLimitWebAcl: name must be 1-100 letters, digits, - or _, got "${props.name}"`);
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${props.name}-api`,
      description: `Per-IP rate limit on the ${props.name} REST API stage`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.name}-api`),
      customResponseBodies: {
        'rate-limited': { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
      },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.rateLimit,
              evaluationWindowSec: window,
            },
          },
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate-limited' } } },
          visibilityConfig: visibility(`${props.name}-rate-limit-per-ip`),
        },
      ],
    });
    // arn:<partition>:apigateway:<region>::/restapis/<api-id>/stages/<stage-name>
    this.association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
