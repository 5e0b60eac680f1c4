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
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly MetricDefinition[];
    }[];
  };
  readonly [member: string]: unknown;
}

/**
 * One document: the dimensions' values and the metrics' values become root members. Metrics whose
 * value is undefined (a distribution with no samples) are left out of both.
 */
export function emfDocument(
  timestamp: number,
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
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: dimensionSets, Metrics: definitions }],
    },
    ...dimensions,
    ...values,
  };
}
