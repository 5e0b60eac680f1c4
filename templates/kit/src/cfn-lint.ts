// Runs the real CloudFormation linter (cfn-lint, Python) over synthesized templates, and holds the one
// list of its findings we accept. cfn-lint checks the template against AWS's resource provider
// schemas, which catches what CDK assertions and cdk-nag do not (malformed ids, unknown properties).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';

/** The version the list below was written against; CI installs exactly this one. */
export const CFN_LINT_VERSION = '1.51.0';
export const CFN_LINT_INSTALL = `pip install cfn-lint==${CFN_LINT_VERSION}`;

export interface CfnLintFinding {
  /** e.g. E3002 (E error, W warning, I informational). */
  readonly ruleId: string;
  readonly level: string;
  readonly message: string;
  readonly file: string;
  /** Where in the template, e.g. ['Resources', 'Rule1A2B3C4D', 'Properties', 'Tags']. */
  readonly path: readonly (string | number)[];
  readonly line: number | undefined;
  /** The resource the finding is under, when it is under one. */
  readonly logicalId: string | undefined;
  readonly resourceType: string | undefined;
}

/** Stands for any list index in a {@link KnownFalsePositive} path. */
export const ANY_INDEX = '[n]';

/**
 * A finding cfn-lint reports on a correct template. Matched narrowly: the rule, the resource type,
 * the exact path below the resource and the message; never a whole rule.
 */
export interface KnownFalsePositive {
  readonly ruleId: string;
  readonly resourceTypes: readonly string[];
  /** The path below `Resources/<logical id>`; {@link ANY_INDEX} matches one list index. */
  readonly path: readonly string[];
  /** Only resources whose logical id matches. @default any logical id */
  readonly logicalId?: RegExp;
  readonly message: RegExp;
  /** Why the finding is wrong, and when the entry can go. */
  readonly reason: string;
}

export const KNOWN_FALSE_POSITIVES: readonly KnownFalsePositive[] = [
  {
    ruleId: 'E3016',
    resourceTypes: ['AWS::AutoScaling::AutoScalingGroup'],
    path: ['UpdatePolicy', 'AutoScalingInstanceRefresh'],
    message: /^Additional properties are not allowed \('AutoScalingInstanceRefresh' was unexpected\)$/,
    reason:
      "cfn-lint 1.51's UpdatePolicy schema predates CloudFormation's AutoScalingInstanceRefresh update policy, " +
      'which aws-cdk-lib 2.276 emits for UpdatePolicy.instanceRefresh (the rolling deploy, docs/decisions/0007). ' +
      'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.CfnAutoScalingInstanceRefresh.html',
  },
  {
    ruleId: 'E3002',
    resourceTypes: ['AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::ListenerRule'],
    path: ['Properties', 'Tags'],
    message: /^Additional properties are not allowed \('Tags' was unexpected\)$/,
    reason:
      "cfn-lint 1.51's schemas for ELBv2 listeners and listener rules have no Tags property; CloudFormation's do " +
      '(aws-cdk-lib 2.276 CfnListener/CfnListenerRule are taggable and link the Tags property of ' +
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listenerrule.html).',
  },
  {
    ruleId: 'W3005',
    resourceTypes: ['AWS::Lambda::Function'],
    logicalId: /^Custom[A-Za-z0-9]+CustomResourceProviderHandler[0-9A-F]{8}$/,
    path: ['DependsOn', ANY_INDEX],
    message:
      /^'Custom[A-Za-z0-9]+CustomResourceProviderRole[0-9A-F]{8}' dependency already enforced by a 'GetAtt' at 'Resources\/[A-Za-z0-9]+\/Properties\/Role'$/,
    reason:
      "A redundant DependsOn written by CDK itself: aws-cdk-lib's CustomResourceProvider (VPC default security " +
      'group restriction, S3 auto-delete) makes its handler depend on its role, which it also references. Harmless.',
  },
];

export class CfnLintError extends Error {
  override name = 'CfnLintError';
}

/** Where cfn-lint is, or why it cannot be used and whether that fails the run. */
export type CfnLintLookup =
  | { readonly status: 'found'; readonly command: string; readonly version: string }
  | {
      readonly status: 'missing';
      /** True in CI (CI=true): a missing linter must fail the run there, not skip the check. */
      readonly required: boolean;
      readonly message: string;
    };

export interface CfnLintOptions {
  /** The executable. @default 'cfn-lint' (from PATH) */
  readonly command?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** Looks cfn-lint up by running `cfn-lint --version`. */
export function locateCfnLint(options: CfnLintOptions = {}): CfnLintLookup {
  const command = options.command ?? 'cfn-lint';
  const env = options.env ?? process.env;
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', env: { ...env } });
  const version = /cfn-lint (\d+\.\d+\.\d+)/.exec(result.stdout ?? '')?.[1];
  if (result.status === 0 && version) return { status: 'found', command, version };
  const why = result.error ? result.error.message : (result.stderr || result.stdout || '').trim().split('\n')[0];
  return {
    status: 'missing',
    required: isCi(env),
    message:
      `cfn-lint is not installed (${command} --version: ${why || `exit ${result.status}`}); ` +
      `install it with \`pip install cfn-lint\` (CI uses \`${CFN_LINT_INSTALL}\`) to lint the synthesized templates`,
  };
}

interface RawFinding {
  readonly Filename: string | null;
  readonly Level: string;
  readonly Message: string;
  readonly Location?: { readonly Path: readonly (string | number)[] | null; readonly Start?: { LineNumber: number } };
  readonly Rule: { readonly Id: string };
}

/**
 * Lints all the templates in one cfn-lint run (`-f json`) and returns every finding, each with the type
 * of the resource it is under. Throws when cfn-lint fails to run or its output is not its JSON report.
 */
export function runCfnLint(
  templateFiles: readonly string[],
  options: CfnLintOptions & { readonly regions?: readonly string[] } = {},
): CfnLintFinding[] {
  if (templateFiles.length === 0) throw new CfnLintError('no templates to lint');
  const command = options.command ?? 'cfn-lint';
  const files = templateFiles.map((file) => resolve(file));
  const regions = options.regions?.length ? ['--regions', ...options.regions] : [];
  const result = spawnSync(command, ['-f', 'json', ...regions, '--', ...files], {
    encoding: 'utf8',
    env: { ...(options.env ?? process.env) },
    maxBuffer: 64 * 1024 * 1024,
  });
  // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
  if (result.error || result.status === null || result.status % 2 === 1)
    throw new CfnLintError(
      `${command} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}): ${result.stderr || result.stdout}`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch {
    throw new CfnLintError(`${command} -f json printed no JSON report: ${result.stdout.slice(0, 500)}`);
  }
  if (!Array.isArray(raw)) throw new CfnLintError(`${command} -f json printed no list of findings`);
  const resourcesOf = resourceTypesByFile();
  return (raw as RawFinding[]).map((finding) => {
    const path = finding.Location?.Path ?? [];
    const file = finding.Filename ?? '';
    const logicalId = path[0] === 'Resources' && typeof path[1] === 'string' ? path[1] : undefined;
    return {
      ruleId: finding.Rule.Id,
      level: finding.Level,
      message: finding.Message,
      file,
      path,
      line: finding.Location?.Start?.LineNumber,
      logicalId,
      resourceType: logicalId && file ? resourcesOf(file)[logicalId] : undefined,
    };
  });
}

function resourceTypesByFile(): (file: string) => Record<string, string> {
  const cache = new Map<string, Record<string, string>>();
  return (file) => {
    let types = cache.get(file);
    if (!types) {
      const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
      types = Object.fromEntries(
        Object.entries(template.Resources ?? {}).map(([id, resource]) => [id, String(resource.Type)]),
      );
      cache.set(file, types);
    }
    return types;
  };
}

/** The entry of the list that explains this finding, if any. */
export function knownFalsePositive(
  finding: CfnLintFinding,
  list: readonly KnownFalsePositive[] = KNOWN_FALSE_POSITIVES,
): KnownFalsePositive | undefined {
  const below = finding.path.slice(2).map((part) => (typeof part === 'number' ? ANY_INDEX : part));
  return list.find(
    (entry) =>
      entry.ruleId === finding.ruleId &&
      finding.logicalId !== undefined &&
      finding.resourceType !== undefined &&
      entry.resourceTypes.includes(finding.resourceType) &&
      (entry.logicalId?.test(finding.logicalId) ?? true) &&
      below.length === entry.path.length &&
      below.every((part, i) => part === entry.path[i]) &&
      entry.message.test(finding.message),
  );
}

/** One line per finding: what a reader needs to find and fix it. */
export function describeFinding(finding: CfnLintFinding): string {
  const where = finding.path.length > 0 ? finding.path.join('/') : '(template)';
  const type = finding.resourceType ? ` (${finding.resourceType})` : '';
  const line = finding.line === undefined ? '' : `:${finding.line}`;
  return `${finding.ruleId} ${basename(finding.file)}${line} ${where}${type}: ${finding.message}`;
}

/** The tap assertions {@link checkTemplatesWithCfnLint} uses (a tap `Test` has them). */
export interface LintAssertions {
  pass(message: string): unknown;
  pass(message: string, extra: { skip?: string }): unknown;
  fail(message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
  comment(message: string): unknown;
}

/**
 * The test every template bundle runs: lints what `synthesize` returns (called only when cfn-lint is
 * there) and fails on any finding outside {@link KNOWN_FALSE_POSITIVES}. Without cfn-lint the check
 * is skipped with a message saying how to install it, or fails in CI.
 */
export function checkTemplatesWithCfnLint(
  t: LintAssertions,
  synthesize: () => readonly string[],
  options: CfnLintOptions & { readonly regions?: readonly string[] } = {},
): void {
  const lookup = locateCfnLint(options);
  if (lookup.status === 'missing') {
    if (lookup.required) t.fail(`${lookup.message} (required in CI)`);
    else t.pass('cfn-lint over the synthesized templates', { skip: lookup.message });
    return;
  }
  if (lookup.version !== CFN_LINT_VERSION)
    t.comment(`cfn-lint ${lookup.version}: the known false positives were listed for ${CFN_LINT_VERSION}`);
  const files = synthesize();
  const findings = runCfnLint(files, { ...options, command: lookup.command });
  const unexpected = findings.filter((finding) => !knownFalsePositive(finding));
  const known = findings.length - unexpected.length;
  t.same(
    unexpected.map(describeFinding),
    [],
    `cfn-lint ${lookup.version} finds nothing in ${files.length} templates beyond ${known} known false positives`,
  );
}
