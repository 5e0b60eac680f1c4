import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { HEALTH_CHECK_PATH, healthCheckTiming, type HealthCheckTiming } from './health-check-timing.ts';

export interface ServiceTargetGroupProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Port the api listens on (the environment's service port). */
  readonly port: number;
  /** The environment's ALB listener this service adds its rule to. */
  readonly listener: elbv2.IApplicationListener;
  /** Priority of the rule on that listener; unique per listener. @default 100 */
  readonly listenerRulePriority?: number;
  /**
   * How long the load balancer lets in-flight requests finish when a target leaves.
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
  /** Interval, timeout and thresholds of GET /health/serving. @default healthCheckTiming(15) */
  readonly healthChecks?: HealthCheckTiming;
  /**
   * The API Gateway stage, which API Gateway sends before every path; the rule strips it.
   * @default - none: paths are forwarded unchanged
   */
  readonly apiStageName?: string;
}

/**
 * The service's target group on the environment's internal ALB and the listener rule that forwards
 * every path to it (rewriting `/<stage>/...` to `/...`). Its health check routes traffic and, through
 * the group's ELB health checks, decides replacement: the api's serving check fails only for a
 * broken, hung or draining process (health-check-timing.ts).
 */
export class ServiceTargetGroup extends Construct {
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly listenerRule: elbv2.ApplicationListenerRule;

  constructor(scope: Construct, id: string, props: ServiceTargetGroupProps) {
    super(scope, id);
    const healthChecks = props.healthChecks ?? healthCheckTiming(15);
    // `Default`: the target group keeps the logical ID it had as the stack's child `Targets`
    // (service-stack.ts); a new one would leave the group's instances registered in the old one.
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Default', {
      vpc: props.vpc,
      port: props.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(healthChecks.intervalSeconds),
        timeout: Duration.seconds(healthChecks.timeoutSeconds),
        healthyThresholdCount: healthChecks.healthyThreshold,
        unhealthyThresholdCount: healthChecks.unhealthyThreshold,
      },
    });
    this.listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
      listener: props.listener,
      priority: props.listenerRulePriority ?? 100,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    if (props.apiStageName) stripStagePrefix(this.listenerRule, props.apiStageName);
  }
}

/**
 * API Gateway sends the stage before the path to a private integration (`/live/v1/...`). The
 * listener rule removes it with a URL rewrite transform, so the api receives the paths it declares
 * by construction; a URL without the prefix does not match and is forwarded unchanged, and the api's
 * own API_STAGE_PREFIX strips it too if a request ever arrives with it. CDK 2.276's L2 rule has no
 * transforms, so the L1 property is set.
 */
function stripStagePrefix(rule: elbv2.ApplicationListenerRule, stageName: string): void {
  const cfnRule = rule.node.defaultChild as elbv2.CfnListenerRule;
  cfnRule.transforms = [
    {
      type: 'url-rewrite',
      urlRewriteConfig: { rewrites: [{ regex: stagePrefixPattern(stageName), replace: '/$1' }] },
    },
  ];
}

/** `^/<stage>/(.*)$`: stage names are `[A-Za-z0-9_]` (schema), so nothing needs escaping. */
export function stagePrefixPattern(stageName: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(stageName)) {
    throw new Error(`spec.api_stage_name: "${stageName}" is not an API Gateway stage name`);
  }
  return `^/${stageName}/(.*)$`;
}
