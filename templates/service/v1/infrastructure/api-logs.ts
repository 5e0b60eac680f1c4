import { Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { AGENT_OTLP_HTTP_ADDRESS, API_LOG_FILE, CLOUDWATCH_AGENT_USER } from './user-data.ts';

export interface ApiLogsProps {
  /** Name of the log group the api's log file is shipped to, e.g. `/taskboard/<instance>/api`. */
  readonly logGroupName: string;
  /** How long CloudWatch Logs keeps the api's log and its metrics documents. @default logs.RetentionDays.THREE_MONTHS */
  readonly retention?: logs.RetentionDays;
  /**
   * Name of the log group the CloudWatch agent writes the api's EMF documents to: the api names it in
   * each document (METRICS_EMF_LOG_GROUP, `_aws.LogGroupName`). @default `<logGroupName>-metrics`
   */
  readonly metricsLogGroupName?: string;
  /**
   * Name of the SSM parameter holding the CloudWatch agent configuration. It must start with
   * `AmazonCloudWatch-`: CloudWatchAgentServerPolicy, the instances' policy, grants ssm:GetParameter
   * on those names only.
   */
  readonly agentConfigParameterName: string;
}

/**
 * The api's log group and the CloudWatch agent configuration that ships the api's log file into
 * it (with memory and disk metrics, which the default EC2 metrics lack), receives the api's metrics
 * as Embedded Metric Format documents and its traces over OTLP/HTTP for X-Ray. User data points
 * the agent at `agentConfigParameter`.
 *
 * The EMF documents go to `metricsLogGroup`, with the same retention: the agent writes a document to
 * the group its `_aws.LogGroupName` names, else to its own default `emf/logs/default`, which it
 * creates without a retention and which no stack owns; its `logs.metrics_collected.emf` section has
 * no option for the group. Sources: the agent's EMF page
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html,
 * only `{}` and the listener), the EMF client libraries, which pass the group to the agent in the
 * payload (https://github.com/awslabs/aws-embedded-metrics-node#configuration, "LogGroupName"), and
 * the agent's source (aws/amazon-cloudwatch-agent translator/translate/otel/exporter/awscloudwatchlogs;
 * opentelemetry-collector-contrib exporter/awscloudwatchlogsexporter/exporter.go). Not observed in an account.
 */
export class ApiLogs extends Construct {
  readonly logGroup: logs.LogGroup;
  /** Where the agent writes the api's EMF documents; its name goes into user data (METRICS_EMF_LOG_GROUP). */
  readonly metricsLogGroup: logs.LogGroup;
  readonly agentConfigParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ApiLogsProps) {
    super(scope, id);
    const name = props.agentConfigParameterName;
    if (!Token.isUnresolved(name) && !name.startsWith('AmazonCloudWatch-')) {
      throw new Error(
        `ApiLogs: agentConfigParameterName must start with "AmazonCloudWatch-" (the only parameters the ` +
          `agent's policy may read), got "${name}"`,
      );
    }
    // `Default`: the log group keeps the logical ID it had as the stack's child `ApiLogs` (service-stack.ts).
    const retention = props.retention ?? logs.RetentionDays.THREE_MONTHS;
    this.logGroup = new logs.LogGroup(this, 'Default', { logGroupName: props.logGroupName, retention });
    // Created by the stack before any instance (user data refers to it), so the agent never creates
    // it first without a retention, which would also make this resource fail as already existing.
    this.metricsLogGroup = new logs.LogGroup(this, 'Metrics', {
      logGroupName: props.metricsLogGroupName ?? `${props.logGroupName}-metrics`,
      retention,
    });
    this.agentConfigParameter = new ssm.StringParameter(this, 'CloudWatchAgentConfig', {
      parameterName: name,
      description: 'CloudWatch agent configuration of the Taskboard api instances',
      stringValue: JSON.stringify(cloudWatchAgentConfiguration(this.logGroup.logGroupName)),
    });
  }
}

/** Ships the api log file and memory/disk metrics the default EC2 metrics lack; relays the api's metrics and traces. */
export function cloudWatchAgentConfiguration(logGroupName: string): Record<string, unknown> {
  return {
    // Not root: as root, whoever can edit this SSM parameter could ship any file (api.env included).
    // User data and the unit's LogsDirectoryMode let cwagent read the api log and nothing more.
    agent: { run_as_user: CLOUDWATCH_AGENT_USER },
    logs: {
      logs_collected: {
        files: {
          collect_list: [{ file_path: API_LOG_FILE, log_group_name: logGroupName, log_stream_name: '{instance_id}' }],
        },
      },
      metrics_collected: {
        // The api's metrics (namespace Taskboard): the agent listens for EMF documents on TCP and UDP
        // 127.0.0.1:25888 (user-data.ts AGENT_EMF_ENDPOINT) and ships them to CloudWatch Logs, which
        // extracts the metrics; no PutMetricData per request.
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_CloudWatch_Agent.html
        emf: {},
      },
    },
    // The api's spans, received over OTLP/HTTP on loopback and sent to X-Ray (PutTraceSegments, which
    // CloudWatchAgentServerPolicy grants: instance-role.ts). Under `traces.traces_collected` the otlp
    // section goes to X-Ray; under `metrics.metrics_collected` it would be metrics.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-OpenTelemetry-metrics.html
    traces: {
      traces_collected: {
        otlp: { http_endpoint: AGENT_OTLP_HTTP_ADDRESS },
      },
    },
    metrics: {
      namespace: 'Taskboard/Api',
      append_dimensions: { AutoScalingGroupName: '${aws:AutoScalingGroupName}' },
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'] },
      },
    },
  };
}
