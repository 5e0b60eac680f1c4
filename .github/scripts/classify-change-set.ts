// Decides whether a CloudFormation change set of the environment stack may execute without a person.
//
// Usage: aws cloudformation describe-change-set ... --output json | node .github/scripts/classify-change-set.ts [--summary FILE]
// Prints `decision=none|auto|review` (append it to $GITHUB_OUTPUT) and appends a Markdown table of
// the changes to FILE (the job summary, $GITHUB_STEP_SUMMARY).
//
// The policy: adding an API operation must reach API Gateway without a manual step, right after the
// service that serves it has rolled out (docs/migrations-expand-contract.md: expand first). Such a change
// set only adds or updates, in place, API Gateway resources (AWS::ApiGateway::*), and replaces the
// deployment (CDK gives the new AWS::ApiGateway::Deployment a new logical id, so the old one is removed).
// Everything else waits for a reviewer: any other resource type (VPC, RDS, Cognito, IAM, ...), any
// replacement, any removal of a method, resource or model (removing an operation is the contract step,
// which a person orders), actions CloudFormation cannot predict (Dynamic), imports.
//
// Input shape: the DescribeChangeSet response, as the AWS CLI prints it (the CLI follows NextToken and
// merges every page's Changes). Verified only against AWS's documentation:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html
// https://docs.aws.amazon.com/cli/latest/reference/cloudformation/describe-change-set.html
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ResourceChange {
  readonly Action?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly Replacement?: string;
}

export interface Change {
  readonly Type?: string;
  readonly ResourceChange?: ResourceChange;
}

/** The fields of DescribeChangeSet's response this policy reads. */
export interface ChangeSetDescription {
  readonly ChangeSetId?: string;
  readonly ChangeSetName?: string;
  readonly StackName?: string;
  readonly Status?: string;
  readonly StatusReason?: string;
  readonly ExecutionStatus?: string;
  readonly Changes?: readonly Change[];
}

export type Decision = 'none' | 'auto' | 'review';

export interface Classification {
  readonly decision: Decision;
  /** Why a person must look, one line per change that needs it (empty unless `review`). */
  readonly reasons: readonly string[];
}

const API_GATEWAY = 'AWS::ApiGateway::';

/**
 * A change set with nothing to do ends FAILED with one of these reasons; the same prefixes the CDK CLI
 * (aws-cdk 2.1148, toolkit-lib stack-diagnoser `changeSetHasNoChanges`) treats as "no changes".
 */
const NO_CHANGES_REASONS = ["The submitted information didn't contain changes.", 'No updates are to be performed.'];

export function classifyChangeSet(description: ChangeSetDescription): Classification {
  const noChanges =
    description.Status === 'FAILED' && NO_CHANGES_REASONS.some((p) => (description.StatusReason ?? '').startsWith(p));
  if (noChanges) return { decision: 'none', reasons: [] };
  if (description.Status !== 'CREATE_COMPLETE') {
    return {
      decision: 'review',
      reasons: [`change set is ${description.Status ?? 'of unknown status'}: ${description.StatusReason ?? ''}`.trim()],
    };
  }
  const changes = description.Changes ?? [];
  if (changes.length === 0) return { decision: 'none', reasons: [] };
  const reasons = changes.flatMap((change) => {
    const reason = whyReview(change);
    return reason ? [reason] : [];
  });
  return { decision: reasons.length === 0 ? 'auto' : 'review', reasons };
}

function whyReview(change: Change): string | undefined {
  const rc = change.ResourceChange;
  if (change.Type !== 'Resource' || !rc) return `a change of type ${change.Type ?? 'unknown'}`;
  const what = `${rc.Action ?? '?'} ${rc.LogicalResourceId ?? '?'} (${rc.ResourceType ?? 'unknown type'})`;
  const type = rc.ResourceType ?? '';
  if (!type.startsWith(API_GATEWAY)) return `${what}: not an API Gateway resource`;
  switch (rc.Action) {
    case 'Add':
      return undefined;
    case 'Modify':
      return rc.Replacement === 'False' ? undefined : `${what}: replacement ${rc.Replacement ?? 'unknown'}`;
    case 'Remove':
      return type === 'AWS::ApiGateway::Deployment' ? undefined : `${what}: removes part of the API`;
    default:
      return `${what}: action CloudFormation cannot apply in place without review`;
  }
}

/** A Markdown table of the changes for the job summary, with the decision and its reasons. */
export function renderChangeSetMarkdown(
  description: ChangeSetDescription,
  classification: Classification,
  title: string,
): string {
  const cell = (value: string | undefined): string => (value ?? '').replaceAll('|', '\\|');
  const lines = [`### ${title}`, ''];
  const verdict = {
    none: 'No changes: nothing to execute.',
    auto: 'Only API Gateway additions and in-place updates: executed automatically after the service rollout.',
    review: 'Needs a reviewer: approve the infrastructure job to execute exactly this change set.',
  }[classification.decision];
  lines.push(
    `Change set \`${description.ChangeSetName ?? '?'}\` on \`${description.StackName ?? '?'}\`: ${verdict}`,
    '',
  );
  for (const reason of classification.reasons) lines.push(`- ${cell(reason)}`);
  if (classification.reasons.length > 0) lines.push('');
  const changes = description.Changes ?? [];
  if (changes.length > 0) {
    lines.push('| Action | Logical id | Type | Replacement |', '| --- | --- | --- | --- |');
    for (const { ResourceChange: rc } of changes) {
      lines.push(
        `| ${cell(rc?.Action)} | ${cell(rc?.LogicalResourceId)} | ${cell(rc?.ResourceType)} | ${cell(rc?.Replacement)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { summary: { type: 'string' }, title: { type: 'string', default: 'Environment stack change set' } },
  });
  const input = readFileSync(positionals[0] ?? 0, 'utf8');
  const description = JSON.parse(input) as ChangeSetDescription;
  const classification = classifyChangeSet(description);
  if (values.summary) {
    appendFileSync(values.summary, renderChangeSetMarkdown(description, classification, values.title) + '\n');
  }
  for (const reason of classification.reasons) console.error(`review: ${reason}`);
  console.log(`decision=${classification.decision}`);
  if (description.ChangeSetId) console.log(`change-set-id=${description.ChangeSetId}`);
}

if (import.meta.main) main();
