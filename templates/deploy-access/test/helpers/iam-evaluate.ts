// A small evaluator of identity and trust policy statements, enough for the operators this template
// writes (StringEquals, StringLike, ArnLike, ArnEquals). Anything else throws, so a policy using an
// operator it does not know cannot pass by accident. IAM's own evaluation (explicit deny, SCPs,
// boundaries, session policies) is verified only by reading the IAM policy evaluation logic docs:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}

export interface IamRequest {
  readonly action: string;
  /** Omitted for a trust policy (the role itself is the resource). */
  readonly resource?: string;
  readonly context?: Readonly<Record<string, string>>;
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM wildcards: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

function conditionHolds(operator: string, key: string, expected: string[], context: Record<string, string>): boolean {
  const actual = context[key];
  if (actual === undefined) return false;
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return expected.some((pattern) => globMatches(pattern, actual));
    default:
      throw new Error(`iam-evaluate: condition operator ${operator} is not implemented`);
  }
}

export function statementMatches(statement: PolicyStatement, request: IamRequest): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
    throw new Error('iam-evaluate: NotAction/NotResource are not implemented');
  }
  if (!list(statement.Action).some((action) => globMatches(action, request.action, true))) return false;
  if (request.resource !== undefined && !list(statement.Resource).some((r) => globMatches(r, request.resource!))) {
    return false;
  }
  const context = request.context ?? {};
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, list(values), context)),
  );
}

/** Allowed: some Allow statement matches and no Deny does (the default is deny). */
export function isAllowed(statements: readonly PolicyStatement[], request: IamRequest): boolean {
  const matching = statements.filter((statement) => statementMatches(statement, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/**
 * Resolves what CloudFormation would: pseudo parameters, Fn::Join, and Ref / Fn::GetAtt of this
 * template's resources through `refs`.
 */
export function resolve(value: unknown, refs: Readonly<Record<string, string>> = {}): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, refs));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) {
    const name = record.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Partition': PARTITION,
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const resolved = pseudo[name] ?? refs[name];
    if (resolved === undefined) throw new Error(`iam-evaluate: cannot resolve Ref ${name}`);
    return resolved;
  }
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return (resolve(parts, refs) as string[]).join(separator);
  }
  if ('Fn::GetAtt' in record) {
    const [id, attribute] = record['Fn::GetAtt'] as [string, string];
    const resolved = refs[`${id}.${attribute}`];
    if (resolved === undefined) throw new Error(`iam-evaluate: cannot resolve Fn::GetAtt ${id}.${attribute}`);
    return resolved;
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolve(item, refs)]));
}
