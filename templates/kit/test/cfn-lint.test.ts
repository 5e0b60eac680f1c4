import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  checkTemplatesWithCfnLint,
  CfnLintError,
  describeFinding,
  KNOWN_FALSE_POSITIVES,
  knownFalsePositive,
  locateCfnLint,
  runCfnLint,
  type CfnLintFinding,
  type LintAssertions,
} from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kit-cfn-lint-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for cfn-lint: prints $FAKE_VERSION for --version, else $FAKE_OUTPUT and exits $FAKE_EXIT. */
const FAKE = join(dir, 'fake-cfn-lint');
writeFileSync(
  FAKE,
  [
    '#!/bin/sh',
    'if [ "$1" = "--version" ]; then',
    '  [ -n "$FAKE_VERSION_FAILS" ] && { echo "pyenv: cfn-lint: command not found" >&2; exit 127; }',
    '  echo "cfn-lint ${FAKE_VERSION:-1.51.0}"; exit 0',
    'fi',
    'echo "$@" > "$FAKE_ARGS"',
    'printf "%s" "$FAKE_OUTPUT"',
    'echo "$FAKE_STDERR" >&2',
    'exit "${FAKE_EXIT:-0}"',
  ].join('\n'),
);
chmodSync(FAKE, 0o755);

const TEMPLATE = join(dir, 'stack.template.json');
writeFileSync(
  TEMPLATE,
  JSON.stringify({
    Resources: {
      Group: { Type: 'AWS::AutoScaling::AutoScalingGroup' },
      Rule: { Type: 'AWS::ElasticLoadBalancingV2::ListenerRule' },
      Group2: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
    },
  }),
);

function raw(id: string, path: (string | number)[] | null, message: string, filename: string | null = TEMPLATE) {
  return {
    Filename: filename,
    Level: id.startsWith('E') ? 'Error' : 'Warning',
    Location: { Path: path, Start: { LineNumber: 7 } },
    Message: message,
    Rule: { Id: id },
  };
}

function fakeEnv(values: Record<string, string>): Record<string, string | undefined> {
  return { PATH: process.env.PATH, FAKE_ARGS: join(dir, 'args'), ...values };
}

/** Records what checkTemplatesWithCfnLint asserts. */
function recorder(): LintAssertions & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    pass: (message: string, extra?: { skip?: string }) => calls.push(`pass ${message} skip=${extra?.skip ?? ''}`),
    fail: (message) => calls.push(`fail ${message}`),
    same: (found, wanted, message) => calls.push(`same ${JSON.stringify(found)} ${JSON.stringify(wanted)} ${message}`),
    comment: (message) => calls.push(`comment ${message}`),
  };
}

t.test('locateCfnLint: found with its version, or missing with how to install it', async (t) => {
  t.same(locateCfnLint({ command: FAKE, env: fakeEnv({}) }), { status: 'found', command: FAKE, version: '1.51.0' });
  const missing = locateCfnLint({ command: join(dir, 'nowhere'), env: {} });
  t.equal(missing.status, 'missing');
  t.match(missing, { required: false, message: /cfn-lint is not installed .*ENOENT.*`pip install cfn-lint`/ });
  t.match(locateCfnLint({ command: join(dir, 'nowhere'), env: { CI: 'true' } }), { required: true });
  // A pyenv shim answers even when no Python version has cfn-lint installed.
  t.match(locateCfnLint({ command: FAKE, env: fakeEnv({ FAKE_VERSION_FAILS: '1' }) }), {
    status: 'missing',
    message: /pyenv: cfn-lint: command not found/,
  });
});

t.test('checkTemplatesWithCfnLint without cfn-lint: skips with the install hint, fails in CI', async (t) => {
  let synthesized = 0;
  const synthesize = () => {
    synthesized++;
    return [TEMPLATE];
  };
  const local = recorder();
  checkTemplatesWithCfnLint(local, synthesize, { command: join(dir, 'nowhere'), env: {} });
  t.match(local.calls, [
    /^pass cfn-lint over the synthesized templates skip=cfn-lint is not installed.*pip install cfn-lint/,
  ]);
  const ci = recorder();
  checkTemplatesWithCfnLint(ci, synthesize, { command: join(dir, 'nowhere'), env: { CI: 'true' } });
  t.match(ci.calls, [/^fail cfn-lint is not installed.*\(required in CI\)$/]);
  t.equal(synthesized, 0, 'nothing is synthesized for a check that cannot run');
});

t.test('runCfnLint: one run over all templates, JSON findings with their resource types', async (t) => {
  const output = JSON.stringify([
    raw(
      'E3002',
      ['Resources', 'Rule', 'Properties', 'Tags'],
      "Additional properties are not allowed ('Tags' was unexpected)",
    ),
    raw('E1001', [], "'Resources' is a required property"),
    raw('E0003', null, 'x could not be processed by glob.glob', null),
  ]);
  const findings = runCfnLint([TEMPLATE, TEMPLATE], {
    command: FAKE,
    regions: ['eu-west-1'],
    env: fakeEnv({ FAKE_OUTPUT: output, FAKE_EXIT: '2' }),
  });
  t.same(findings, [
    {
      ruleId: 'E3002',
      level: 'Error',
      message: "Additional properties are not allowed ('Tags' was unexpected)",
      file: TEMPLATE,
      path: ['Resources', 'Rule', 'Properties', 'Tags'],
      line: 7,
      logicalId: 'Rule',
      resourceType: 'AWS::ElasticLoadBalancingV2::ListenerRule',
    },
    {
      ruleId: 'E1001',
      level: 'Error',
      message: "'Resources' is a required property",
      file: TEMPLATE,
      path: [],
      line: 7,
      logicalId: undefined,
      resourceType: undefined,
    },
    {
      ruleId: 'E0003',
      level: 'Error',
      message: 'x could not be processed by glob.glob',
      file: '',
      path: [],
      line: 7,
      logicalId: undefined,
      resourceType: undefined,
    },
  ]);
  const { readFileSync } = await import('node:fs');
  t.equal(readFileSync(join(dir, 'args'), 'utf8').trim(), `-f json --regions eu-west-1 -- ${TEMPLATE} ${TEMPLATE}`);
  t.equal(
    describeFinding(findings[0]!),
    "E3002 stack.template.json:7 Resources/Rule/Properties/Tags (AWS::ElasticLoadBalancingV2::ListenerRule): Additional properties are not allowed ('Tags' was unexpected)",
  );
  t.equal(
    describeFinding({ ...findings[1]!, line: undefined }),
    "E1001 stack.template.json (template): 'Resources' is a required property",
  );
});

t.test('runCfnLint: a crash, a report that is not JSON, or nothing to lint is an error, never a pass', async (t) => {
  t.throws(() => runCfnLint([]), new CfnLintError('no templates to lint'));
  t.throws(
    () => runCfnLint([TEMPLATE], { command: FAKE, env: fakeEnv({ FAKE_EXIT: '1', FAKE_STDERR: 'Traceback: boom' }) }),
    { name: 'CfnLintError', message: /failed \(exit 1\): Traceback: boom/ },
  );
  t.throws(() => runCfnLint([TEMPLATE], { command: join(dir, 'nowhere'), env: {} }), { message: /ENOENT/ });
  t.throws(() => runCfnLint([TEMPLATE], { command: FAKE, env: fakeEnv({ FAKE_OUTPUT: 'Usage: cfn-lint' }) }), {
    message: /printed no JSON report: Usage: cfn-lint/,
  });
  t.throws(() => runCfnLint([TEMPLATE], { command: FAKE, env: fakeEnv({ FAKE_OUTPUT: '{}' }) }), {
    message: /printed no list of findings/,
  });
});

t.test('knownFalsePositive: rule, resource type, exact path and message must all match', async (t) => {
  const base: CfnLintFinding = {
    ruleId: 'E3016',
    level: 'Error',
    message: "Additional properties are not allowed ('AutoScalingInstanceRefresh' was unexpected)",
    file: TEMPLATE,
    path: ['Resources', 'Group', 'UpdatePolicy', 'AutoScalingInstanceRefresh'],
    line: 1,
    logicalId: 'Group',
    resourceType: 'AWS::AutoScaling::AutoScalingGroup',
  };
  t.equal(knownFalsePositive(base), KNOWN_FALSE_POSITIVES[0]);
  t.equal(knownFalsePositive({ ...base, ruleId: 'E3002' }), undefined, 'another rule');
  t.equal(knownFalsePositive({ ...base, resourceType: 'AWS::EC2::Instance' }), undefined, 'another type');
  t.equal(knownFalsePositive({ ...base, path: [...base.path, 'Preferences'] }), undefined, 'deeper in the policy');
  t.equal(knownFalsePositive({ ...base, message: "'MinHealthyPercentage' is a required property" }), undefined);
  t.equal(knownFalsePositive({ ...base, logicalId: undefined, resourceType: undefined }), undefined);

  const dependsOn: CfnLintFinding = {
    ...base,
    ruleId: 'W3005',
    level: 'Warning',
    path: ['Resources', 'CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E', 'DependsOn', 0],
    logicalId: 'CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E',
    resourceType: 'AWS::Lambda::Function',
    message:
      "'CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0' dependency already enforced by a 'GetAtt' at " +
      "'Resources/CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E/Properties/Role'",
  };
  t.equal(knownFalsePositive(dependsOn)?.ruleId, 'W3005');
  t.equal(knownFalsePositive({ ...dependsOn, logicalId: 'MyFunction' }), undefined, "our own functions' DependsOn");
  t.equal(knownFalsePositive(dependsOn, []), undefined, 'against another list');
});

t.test('checkTemplatesWithCfnLint: fails on findings outside the list and says which', async (t) => {
  const output = JSON.stringify([
    raw(
      'E3002',
      ['Resources', 'Rule', 'Properties', 'Tags'],
      "Additional properties are not allowed ('Tags' was unexpected)",
    ),
    raw(
      'E3002',
      ['Resources', 'Group2', 'Properties', 'Tagz'],
      "Additional properties are not allowed ('Tagz' was unexpected)",
    ),
  ]);
  const assertions = recorder();
  checkTemplatesWithCfnLint(assertions, () => [TEMPLATE], {
    command: FAKE,
    env: fakeEnv({ FAKE_OUTPUT: output, FAKE_EXIT: '2', FAKE_VERSION: '1.60.0' }),
  });
  t.same(assertions.calls, [
    'comment cfn-lint 1.60.0: the known false positives were listed for 1.51.0',
    `same ${JSON.stringify([
      "E3002 stack.template.json:7 Resources/Group2/Properties/Tagz (AWS::ElasticLoadBalancingV2::TargetGroup): Additional properties are not allowed ('Tagz' was unexpected)",
    ])} [] cfn-lint 1.60.0 finds nothing in 1 templates beyond 1 known false positives`,
  ]);
});

// The real linter, on a hand-written template with each known false positive and a real error next to
// it: proves the list matches what this cfn-lint version reports, and no more.
const real = locateCfnLint();
t.test(
  'cfn-lint itself: the listed findings are what it reports on what CDK emits; real errors stay',
  { skip: real.status === 'missing' && !real.required ? real.message : false },
  async (t) => {
    if (real.status === 'missing') return t.fail(`${real.message} (required in CI)`);
    const file = join(dir, 'real.template.json');
    writeFileSync(
      file,
      JSON.stringify({
        Resources: {
          Listener: {
            Type: 'AWS::ElasticLoadBalancingV2::Listener',
            Properties: {
              LoadBalancerArn:
                'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/a/0123456789abcdef',
              Port: 80,
              Protocol: 'HTTP',
              DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }],
              Tags: [{ Key: 'k', Value: 'v' }],
            },
          },
          Rule: {
            Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
            Properties: {
              ListenerArn: { Ref: 'Listener' },
              Priority: 10,
              Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
              Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }],
              Tags: [{ Key: 'k', Value: 'v' }],
            },
          },
          LaunchTemplate: {
            Type: 'AWS::EC2::LaunchTemplate',
            Properties: {
              LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', SecurityGroupIds: ['sg-0133333333333333'] },
            },
          },
          Group: {
            Type: 'AWS::AutoScaling::AutoScalingGroup',
            Properties: {
              MinSize: '1',
              MaxSize: '2',
              VPCZoneIdentifier: ['subnet-0a1b2c3d4e5f60001'],
              LaunchTemplate: { LaunchTemplateId: { Ref: 'LaunchTemplate' }, Version: '1' },
            },
            UpdatePolicy: { AutoScalingInstanceRefresh: { Strategy: 'Rolling' } },
          },
          CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0: {
            Type: 'AWS::IAM::Role',
            Properties: {
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
                ],
              },
            },
          },
          CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Code: { ZipFile: 'exports.handler = async () => {};' },
              Handler: 'index.handler',
              Runtime: 'nodejs22.x',
              Role: { 'Fn::GetAtt': ['CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0', 'Arn'] },
            },
            DependsOn: ['CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0'],
          },
          OurFunction: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Code: { ZipFile: 'exports.handler = async () => {};' },
              Handler: 'index.handler',
              Runtime: 'nodejs22.x',
              Role: { 'Fn::GetAtt': ['CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0', 'Arn'] },
            },
            DependsOn: ['CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0'],
          },
        },
      }),
    );
    const findings = runCfnLint([file], { command: real.command, regions: ['eu-west-1'] });
    const summary = (list: readonly CfnLintFinding[]) => list.map((f) => `${f.ruleId} ${f.path.join('/')}`).sort();
    t.same(summary(findings.filter((f) => knownFalsePositive(f))), [
      'E3002 Resources/Listener/Properties/Tags',
      'E3002 Resources/Rule/Properties/Tags',
      'E3016 Resources/Group/UpdatePolicy/AutoScalingInstanceRefresh',
      'W3005 Resources/CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E/DependsOn/0',
    ]);
    t.same(summary(findings.filter((f) => !knownFalsePositive(f))), [
      'E1150 Resources/LaunchTemplate/Properties/LaunchTemplateData/SecurityGroupIds/0',
      'W3005 Resources/OurFunction/DependsOn/0',
    ]);
  },
);
