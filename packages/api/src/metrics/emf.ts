import type { DistributionValue } from './distribution.ts';

/**
 * CloudWatch Embedded Metric Format documents: one JSON object per log event whose `_aws` member
 * tells CloudWatch Logs which root members are metrics (name, unit) and which are dimensions.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * - `_aws.Timestamp` (ms since the epoch) and `_aws.CloudWatchMetrics`, an array of directives, each
 *   with `Namespace`, `Dimensions` (an array of dimension sets, each at most 9 keys naming root
 *   members with string values) and `Metrics` (at most 100 `{ Name, Unit }`, each naming a root member).
 * - Every dimension set of a directive applies to every metric in it: the per-operation document
 *   below publishes Requests both under [Service, Operation] and under [Service], and CloudWatch adds
 *   the [Service] values of all operations (and all workers and instances) together.
 * - An aggregated distribution is the object `{ Values, Counts, Max, Min, Count, Sum }` (at most 100
 *   values): the form the CloudWatch agent itself sends for histograms ("The SampleCount of
 *   CloudWatch metrics will be calculated by the sum of the 'Counts' array", aws/amazon-cloudwatch-agent
 *   and the OpenTelemetry awsemf exporter), with the meaning of PutMetricData's Values/Counts
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html). The
 *   specification page itself describes numbers and numeric arrays only; this form is verified
 *   against those sources, not against CloudWatch.
 * - `_aws.LogGroupName` (optional) is for the CloudWatch agent, not CloudWatch: the log group the agent
 *   writes the document to. Without it the agent uses its own default, `emf/logs/default`; its
 *   `logs.metrics_collected.emf` section has no option for the group. CloudWatch ignores the member
 *   ("Members not recognized by this specification MUST be ignored", the specification above).
 *   Sources: the EMF client libraries, which send it to the agent for the same purpose
 *   (https://github.com/awslabs/aws-embedded-metrics-node#configuration, "LogGroupName: For
 *   agent-based platforms, ... the destination log group ... passed from the library to the agent
 *   in the Embedded Metric payload"; its AgentSink sets `_aws.LogGroupName`), and the agent's source
 *   (aws/amazon-cloudwatch-agent translator/translate/otel/exporter/awscloudwatchlogs: default group
 *   `emf/logs/default`; open-telemetry/opentelemetry-collector-contrib
 *   exporter/awscloudwatchlogsexporter/exporter.go: with `raw_log`, a document's
 *   `_aws.LogGroupName` replaces the configured group). Not observed against a real agent.
 */

export const NAMESPACE = 'Taskboard';

export type Unit = 'Count' | 'Milliseconds' | 'Percent';

export interface MetricDefinition {
  readonly Name: string;
  readonly Unit: Unit;
}

export type MetricValue = number | DistributionValue;

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly LogGroupName?: string;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly MetricDefinition[];
    }[];
  };
  readonly [member: string]: unknown;
}

/** What every document of a process carries besides its metrics. */
export interface DocumentMetadata {
  readonly timestamp: number;
  /** `_aws.LogGroupName`: where the CloudWatch agent writes the document. @default - the agent's default */
  readonly logGroupName?: string | undefined;
}

/**
 * One document: the dimensions' values and the metrics' values become root members. Metrics whose
 * value is undefined (a distribution with no samples) are left out of both.
 */
export function emfDocument(
  metadata: DocumentMetadata,
  dimensionSets: readonly (readonly string[])[],
  dimensions: Readonly<Record<string, string>>,
  metrics: readonly (readonly [name: string, unit: Unit, value: MetricValue | undefined])[],
): EmfDocument {
  const definitions: MetricDefinition[] = [];
  const values: Record<string, MetricValue> = {};
  for (const [name, unit, value] of metrics) {
    if (value === undefined) continue;
    definitions.push({ Name: name, Unit: unit });
    values[name] = value;
  }
  return {
    _aws: {
      Timestamp: metadata.timestamp,
      ...(metadata.logGroupName === undefined ? {} : { LogGroupName: metadata.logGroupName }),
      CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: dimensionSets, Metrics: definitions }],
    },
    ...dimensions,
    ...values,
  };
}
