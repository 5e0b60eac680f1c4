import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** The api's CloudWatch namespace (the metrics contract of issue 16; packages/api emits it as EMF). */
export const API_METRICS_NAMESPACE = 'Taskboard';

export interface ServiceDashboardProps {
  /** Name of the dashboard: letters, digits, `-` and `_`, e.g. the service instance's name. */
  readonly dashboardName: string;
  /** The `Service` dimension of the api's metrics: its OTEL_SERVICE_NAME. */
  readonly serviceName: string;
  /** The service's Auto Scaling group (group metrics are collected: service-fleet.ts). */
  readonly autoScalingGroupName: string;
  /** The environment's ALB, as its CloudWatch dimension `app/<name>/<id>`. */
  readonly loadBalancerFullName: string;
  /** The service's target group, as its CloudWatch dimension `targetgroup/<name>/<id>`. */
  readonly targetGroupFullName: string;
  /** Alarms shown in the alarm status widget (rollback and SLO alarms). @default - none */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /** Granularity of the graphs. @default Duration.minutes(1) */
  readonly period?: Duration;
}

/**
 * One CloudWatch dashboard per service instance (so per environment): traffic, errors, latency
 * percentiles per operation, database pool, event loop, load shedding and authentication, the
 * fleet, and how to see an instance refresh. Per-operation graphs use SEARCH expressions over the
 * `[Service, Operation]` dimension set, so a new operation appears without a template change (the
 * service template does not read openapi.json; a SEARCH shows at most 500 series per graph).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-search-expressions.html
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.dashboardName) && !/^[A-Za-z0-9_-]{1,255}$/.test(props.dashboardName)) {
      throw new Error(
        `ServiceDashboard: dashboardName may contain only letters, digits, "-" and "_" (at most 255), got "${props.dashboardName}"`,
      );
    }
    if (!Token.isUnresolved(props.serviceName) && /["\\]/.test(props.serviceName)) {
      throw new Error(
        `ServiceDashboard: serviceName must not contain quotes or backslashes, got "${props.serviceName}"`,
      );
    }
    const period = props.period ?? Duration.minutes(1);
    const service = props.serviceName;
    const api = (metricName: string, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: API_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { Service: service },
        statistic,
        period,
        ...(label ? { label } : {}),
      });
    // One series per value of `dimension` (Operation, ProblemType, Reason), labelled with that value.
    const search = (metricName: string, dimension: string, statistic: string) =>
      new cloudwatch.SearchExpression({
        expression: `SEARCH('{${API_METRICS_NAMESPACE},Service,${dimension}} MetricName="${metricName}" Service="${service}"', '${statistic}', ${period.toSeconds()})`,
        label: `\${PROP('Dim.${dimension}')}`,
        period,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...options });

    const group = { AutoScalingGroupName: props.autoScalingGroupName };
    const groupMetric = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName,
        dimensionsMap: group,
        statistic: 'Maximum',
        period,
        label,
      });
    const targets = { LoadBalancer: props.loadBalancerFullName, TargetGroup: props.targetGroupFullName };
    const targetMetric = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap: targets,
        statistic: 'Maximum',
        period,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Default', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.TextWidget({
            width: 24,
            height: 3,
            markdown: [
              `# ${props.dashboardName}`,
              `Application metrics: namespace \`${API_METRICS_NAMESPACE}\`, dimension \`Service=${service}\` (EMF through the CloudWatch agent). ` +
                'Traces: X-Ray (CloudWatch > Application Signals > Traces), service name as above. Logs: the `ApiLogGroupName` output.',
              '**Instance refresh state is not a CloudWatch metric.** See it with ' +
                `\`aws autoscaling describe-instance-refreshes --auto-scaling-group-name ${props.autoScalingGroupName} --max-records 1\`` +
                ' (Status, PercentageComplete, StatusReason); the pending/terminating instances graph and the rollback alarms below show one running.',
            ].join('\n\n'),
          }),
        ],
        [
          graph('Requests', [api('Requests', 'Sum', 'all operations'), search('Requests', 'Operation', 'Sum')]),
          graph('Errors (4xx / 5xx)', [api('Errors4xx', 'Sum', '4xx'), api('Errors5xx', 'Sum', '5xx')]),
          graph('Problems by type', [search('Problems', 'ProblemType', 'Sum')]),
        ],
        [
          graph('Latency p50 by operation (ms)', [search('Latency', 'Operation', 'p50')]),
          graph('Latency p90 by operation (ms)', [search('Latency', 'Operation', 'p90')]),
          graph('Latency p99 by operation (ms)', [
            search('Latency', 'Operation', 'p99'),
            api('Latency', 'p99', 'all operations'),
          ]),
        ],
        [
          graph(
            'Database pool',
            [api('DbPoolInUse', 'Maximum', 'in use (max)'), api('DbPoolWaiting', 'Maximum', 'waiting (max)')],
            {
              right: [api('DbPoolWaitTime', 'p99', 'wait time p99 (ms)')],
            },
          ),
          graph('Event loop', [api('EventLoopDelayP99', 'Maximum', 'delay p99 (ms, worst worker)')], {
            right: [api('EventLoopUtilization', 'Maximum', 'utilization % (busiest worker)')],
          }),
          graph('Shed, rate limited, JWKS', [
            api('RequestsShed', 'Sum', 'shed (503)'),
            api('RateLimited', 'Sum', 'rate limited (429)'),
            api('JwksFetches', 'Sum', 'JWKS fetches'),
          ]),
        ],
        [
          graph('Authentication failures by reason', [search('AuthFailures', 'Reason', 'Sum')]),
          graph('Instances', [
            groupMetric('GroupDesiredCapacity', 'desired'),
            groupMetric('GroupInServiceInstances', 'in service'),
            targetMetric('HealthyHostCount', 'healthy targets'),
            targetMetric('UnHealthyHostCount', 'unhealthy targets'),
          ]),
          graph('Instance refresh activity', [
            groupMetric('GroupPendingInstances', 'pending (launching)'),
            groupMetric('GroupTerminatingInstances', 'terminating'),
          ]),
        ],
        ...(props.alarms && props.alarms.length > 0
          ? [[new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 })]]
          : []),
      ],
    });
  }
}
