// .github/scripts/classify-change-set.ts: which environment-stack change sets run without a reviewer.
// The input is DescribeChangeSet's response as the AWS CLI prints it; its shape comes from
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html and
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html (Action:
// Add | Modify | Remove | Import | Dynamic; Replacement: True | False | Conditional), and the example
// output of https://docs.aws.amazon.com/cli/latest/reference/cloudformation/describe-change-set.html.
// What CloudFormation puts in a real change set is verified only against those pages; which resources
// a new API operation adds is verified here on the real environment template, synthesized twice.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  classifyChangeSet,
  renderChangeSetMarkdown,
  type Change,
  type ChangeSetDescription,
} from '../../../.github/scripts/classify-change-set.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = join(REPO, '.github', 'scripts', 'classify-change-set.ts');

const change = (Action: string, ResourceType: string, LogicalResourceId: string, Replacement?: string): Change => ({
  Type: 'Resource',
  ResourceChange: { Action, ResourceType, LogicalResourceId, ...(Replacement ? { Replacement } : {}) },
});

const changeSet = (changes: Change[]): ChangeSetDescription => ({
  ChangeSetId: 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/deploy-7-1/0a1b2c3d',
  ChangeSetName: 'deploy-7-1',
  StackName: 'taskboard-dev',
  Status: 'CREATE_COMPLETE',
  ExecutionStatus: 'AVAILABLE',
  Changes: changes,
});

/** What adding GET /v1/tasks/{taskId}/comments produced on the real template (see the synth test below). */
const ADD_OPERATION = [
  change('Remove', 'AWS::ApiGateway::Deployment', 'RestApiDeployment4548372D6c2cb6', undefined),
  change('Modify', 'AWS::ApiGateway::Stage', 'RestApiDeploymentStageliveCC09AE4A', 'False'),
  change('Add', 'AWS::ApiGateway::Deployment', 'RestApiDeployment4548372Dde464c'),
  change('Add', 'AWS::ApiGateway::Resource', 'RestApiv1taskstaskIdcomments8607553B'),
  change('Add', 'AWS::ApiGateway::Method', 'RestApiv1taskstaskIdcommentsGETFA6E1E77'),
];

t.test('a new API operation runs without a reviewer; anything else waits for one', async (t) => {
  t.same(classifyChangeSet(changeSet(ADD_OPERATION)), { decision: 'auto', reasons: [] });

  const cases: { readonly what: string; readonly changes: Change[] }[] = [
    { what: 'the database', changes: [change('Modify', 'AWS::RDS::DBInstance', 'Database', 'False')] },
    { what: 'the user pool', changes: [change('Modify', 'AWS::Cognito::UserPool', 'UserPool', 'False')] },
    { what: 'an IAM role', changes: [change('Add', 'AWS::IAM::Role', 'NewRole')] },
    {
      what: 'the VPC link (API Gateway V2)',
      changes: [change('Modify', 'AWS::ApiGatewayV2::VpcLink', 'VpcLink', 'True')],
    },
    {
      what: 'a replaced REST API (new URL)',
      changes: [change('Modify', 'AWS::ApiGateway::RestApi', 'RestApi', 'True')],
    },
    {
      what: 'a conditional replacement',
      changes: [change('Modify', 'AWS::ApiGateway::Method', 'GetTask', 'Conditional')],
    },
    { what: 'a removed method (the contract step)', changes: [change('Remove', 'AWS::ApiGateway::Method', 'GetTask')] },
    { what: 'a removed model', changes: [change('Remove', 'AWS::ApiGateway::Model', 'TaskModel')] },
    {
      what: 'an action CloudFormation cannot predict',
      changes: [change('Dynamic', 'AWS::ApiGateway::Method', 'GetTask')],
    },
    { what: 'an import', changes: [change('Import', 'AWS::ApiGateway::Resource', 'Tasks')] },
    { what: 'a change that is not a resource', changes: [{ Type: 'Hook' }] },
    {
      what: 'API routes mixed with a database change',
      changes: [...ADD_OPERATION, change('Modify', 'AWS::RDS::DBInstance', 'Db', 'True')],
    },
  ];
  for (const { what, changes } of cases) {
    const result = classifyChangeSet(changeSet(changes));
    t.equal(result.decision, 'review', what);
    t.ok(result.reasons.length > 0, `${what}: says why`);
  }
  // The AWS CLI reference's own example: a Lambda timeout change.
  const lambda = classifyChangeSet(changeSet([change('Modify', 'AWS::Lambda::Function', 'function', 'False')]));
  t.match(lambda.reasons, [/Modify function \(AWS::Lambda::Function\): not an API Gateway resource/]);
});

t.test('an empty change set means nothing to do; an unfinished or failed one needs a person', async (t) => {
  const empty: ChangeSetDescription = {
    ...changeSet([]),
    Status: 'FAILED',
    ExecutionStatus: 'UNAVAILABLE',
    StatusReason:
      "The submitted information didn't contain changes. Submit different information to create a change set.",
  };
  t.same(classifyChangeSet(empty), { decision: 'none', reasons: [] });
  t.equal(classifyChangeSet(changeSet([])).decision, 'none');
  const failed = classifyChangeSet({
    ...empty,
    StatusReason: 'Template format error: Unresolved resource dependencies',
  });
  t.equal(failed.decision, 'review');
  t.match(failed.reasons, [/FAILED: Template format error/]);
  t.equal(classifyChangeSet({ ...changeSet(ADD_OPERATION), Status: 'CREATE_PENDING' }).decision, 'review');
});

t.test('the CLI prints the decision for $GITHUB_OUTPUT and a table for the job summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-change-set-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'change-set.json');
  const summary = join(dir, 'summary.md');
  writeFileSync(
    input,
    JSON.stringify(changeSet([...ADD_OPERATION, change('Modify', 'AWS::RDS::DBInstance', 'Db', 'True')])),
  );
  const out = execFileSync(process.execPath, [SCRIPT, input, '--summary', summary, '--title', 'Change set of dev'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.equal(
    out,
    'decision=review\nchange-set-id=arn:aws:cloudformation:eu-west-1:123456789012:changeSet/deploy-7-1/0a1b2c3d\n',
  );
  const markdown = readFileSync(summary, 'utf8');
  t.match(markdown, '### Change set of dev');
  t.match(markdown, 'Needs a reviewer');
  t.match(markdown, '| Modify | Db | AWS::RDS::DBInstance | True |');
  t.match(markdown, '- Modify Db (AWS::RDS::DBInstance): not an API Gateway resource');

  const fromStdin = spawnSync(process.execPath, [SCRIPT], {
    input: JSON.stringify(changeSet(ADD_OPERATION)),
    encoding: 'utf8',
  });
  t.match(fromStdin.stdout, /^decision=auto\n/);
  t.match(
    renderChangeSetMarkdown(changeSet([]), { decision: 'none', reasons: [] }, 'x'),
    'No changes: nothing to execute.',
  );
});

t.test('adding an operation to openapi.json changes only API Gateway resources of the real template', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-environment-synth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const environment = join(REPO, 'templates', 'environment');
  const openapi = JSON.parse(readFileSync(join(REPO, 'packages', 'api', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const synth = (outdir: string, openapiPath: string): Record<string, { Type: string }> => {
    execFileSync(
      process.execPath,
      [
        'scripts/synth.ts',
        '--spec',
        'specs/dev.yaml',
        '--region',
        'eu-west-1',
        '--outdir',
        outdir,
        '--openapi',
        openapiPath,
      ],
      { cwd: environment, stdio: 'ignore' },
    );
    const template = JSON.parse(readFileSync(join(outdir, 'taskboard-dev', 'taskboard-dev.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    return template.Resources;
  };
  const before = synth(join(dir, 'before'), join(REPO, 'packages', 'api', 'openapi.json'));
  const [path, operations] = Object.entries(openapi.paths).find(([, item]) => item.get)!;
  openapi.paths[`${path}/comments`] = { get: { ...operations.get, operationId: 'listComments' } };
  const added = join(dir, 'openapi-added.json');
  writeFileSync(added, JSON.stringify(openapi));
  const after = synth(join(dir, 'after'), added);

  // A change set as CloudFormation would list it (Replacement comes from CloudFormation and is taken
  // as False here for the in-place updates: the stage's new deployment id).
  const changes: Change[] = [];
  for (const id of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [was, is] = [before[id], after[id]];
    if (!was) changes.push(change('Add', is!.Type, id));
    else if (!is) changes.push(change('Remove', was.Type, id));
    else if (JSON.stringify(was) !== JSON.stringify(is)) changes.push(change('Modify', is.Type, id, 'False'));
  }
  t.ok(
    changes.some(
      (c) => c.ResourceChange?.Action === 'Add' && c.ResourceChange.ResourceType === 'AWS::ApiGateway::Method',
    ),
  );
  t.same([...new Set(changes.map((c) => c.ResourceChange?.ResourceType))].sort(), [
    'AWS::ApiGateway::Deployment',
    'AWS::ApiGateway::Method',
    'AWS::ApiGateway::Resource',
    'AWS::ApiGateway::Stage',
  ]);
  t.same(classifyChangeSet(changeSet(changes)), { decision: 'auto', reasons: [] });
});
