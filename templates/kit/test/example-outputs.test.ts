// The example environment outputs the bundles synthesize with (templates/*/specs/*outputs*.json) must
// hold ids AWS could have returned: cfn-lint checks the ids the service template takes from them
// against AWS's resource schemas, and a made-up id of the wrong length fails it (E1150).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// EC2 resource ids are the prefix, a hyphen and 8 or 17 lower-case hex characters (17 since 2016-2018).
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html
const EC2_ID = /^(vpc|subnet|sg)-([0-9a-f]{8}|[0-9a-f]{17})$/;
// arn:partition:service:region:account-id:resource
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
const ARN = /^arn:aws(-cn|-us-gov)?:([a-z0-9-]+):([a-z]{2}(-gov)?-[a-z]+-\d):(\d{12}):(.+)$/;
const ARN_RESOURCE: Readonly<Record<string, RegExp>> = {
  // listener/app/<load balancer name>/<load balancer id>/<listener id>, ids 16 hex characters, as in
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListeners.html
  elasticloadbalancing: /^listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  // The secret's name followed by a hyphen and six random characters:
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (response: ARN)
  secretsmanager: /^secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/,
};
// What the ALB's LoadBalancerFullName attribute looks like: app/<name>/<id>.
const LOAD_BALANCER_FULL_NAME = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

/** Outputs that must hold ids of one kind (lists are comma-separated, as the environment joins them). */
const EXPECTED_KIND: ReadonlyArray<readonly [RegExp, string]> = [
  [/^VpcId$/, 'vpc-'],
  [/SubnetIds$/, 'subnet-'],
  [/SecurityGroupId$/, 'sg-'],
  [/Arn$/, 'arn:'],
];

/** What is malformed in one stack's outputs; empty when every id is well-formed. */
function malformedIds(outputs: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(outputs)) {
    const kind = EXPECTED_KIND.find(([key]) => key.test(name))?.[1];
    for (const id of value.split(',').map((part) => part.trim())) {
      if (kind && !id.startsWith(kind)) problems.push(`${name}: "${id}" is not a ${kind} id`);
      if (/^(vpc|subnet|sg)-/.test(id) && !EC2_ID.test(id))
        problems.push(`${name}: "${id}" needs 8 or 17 lower-case hex characters after the prefix`);
      if (id.startsWith('arn:')) {
        const arn = ARN.exec(id);
        const resource = arn && ARN_RESOURCE[arn[2]!];
        if (!arn) problems.push(`${name}: "${id}" is not arn:partition:service:region:account:resource`);
        else if (resource && !resource.test(arn[6]!))
          problems.push(`${name}: "${id}" is not a ${arn[2]} ARN (${resource.source})`);
      }
    }
  }
  if (outputs.LoadBalancerFullName !== undefined) {
    if (!LOAD_BALANCER_FULL_NAME.test(outputs.LoadBalancerFullName))
      problems.push(`LoadBalancerFullName: "${outputs.LoadBalancerFullName}" is not app/<name>/<16 hex>`);
    // The listener belongs to that load balancer.
    if (
      outputs.AlbListenerArn !== undefined &&
      !outputs.AlbListenerArn.includes(`:listener/${outputs.LoadBalancerFullName}/`)
    )
      problems.push('AlbListenerArn: is not a listener of LoadBalancerFullName');
  }
  return problems;
}

function exampleOutputsFiles(): string[] {
  return readdirSync(TEMPLATES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const specs = join(TEMPLATES, entry.name, 'specs');
      try {
        return readdirSync(specs)
          .filter((name) => /outputs.*\.json$/.test(name))
          .map((name) => join(specs, name));
      } catch {
        return [];
      }
    });
}

t.test('every example outputs file holds well-formed AWS ids', async (t) => {
  const files = exampleOutputsFiles();
  t.ok(files.some((file) => file.endsWith(join('service', 'specs', 'environment-outputs.example.json'))));
  for (const file of files) {
    // JSON is YAML: yaml's parser refuses a key given twice, where JSON.parse silently keeps the last one.
    const stacks = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
    t.ok(Object.keys(stacks).length > 0, `${file} has stacks`);
    for (const [stack, outputs] of Object.entries(stacks)) {
      t.ok(outputs.VpcId && outputs.InstanceSecurityGroupId && outputs.AlbListenerArn, `${stack} has ids to check`);
      t.same(malformedIds(outputs), [], `${file}: ${stack}`);
    }
  }
});

t.test('an output given twice in a file is refused, not silently overwritten', async (t) => {
  t.throws(() => parse('{ "taskboard-dev": { "VpcId": "vpc-0a1b2c3d", "VpcId": "vpc-0a1b2c3e" } }'), {
    message: /Map keys must be unique/,
  });
});

t.test('the check finds ids of the wrong length or shape (the ids the example file had)', async (t) => {
  t.same(
    malformedIds({
      VpcId: 'vpc-01a1b2c3d4e5f6789',
      PrivateAppSubnetIds: 'subnet-0111111111111111,subnet-0a1b2c3d',
      InstanceSecurityGroupId: 'sg-0133333333333333',
      AlbSecurityGroupId: 'subnet-0a1b2c3d',
    }),
    [
      'PrivateAppSubnetIds: "subnet-0111111111111111" needs 8 or 17 lower-case hex characters after the prefix',
      'InstanceSecurityGroupId: "sg-0133333333333333" needs 8 or 17 lower-case hex characters after the prefix',
      'AlbSecurityGroupId: "subnet-0a1b2c3d" is not a sg- id',
    ],
  );
  t.same(
    malformedIds({
      DatabaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
      AlbListenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/0123456789abcdef/0123',
      TopicArn: 'arn:aws:sns:eu-west-1:1234:topic',
      LoadBalancerFullName: 'app/other/0123456789abcdef',
    }),
    [
      'DatabaseSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db" is not a secretsmanager ARN (^secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$)',
      'AlbListenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/0123456789abcdef/0123" is not a elasticloadbalancing ARN (^listener\\/app\\/[A-Za-z0-9-]{1,32}\\/[0-9a-f]{16}\\/[0-9a-f]{16}$)',
      'TopicArn: "arn:aws:sns:eu-west-1:1234:topic" is not arn:partition:service:region:account:resource',
      'AlbListenerArn: is not a listener of LoadBalancerFullName',
    ],
  );
  t.same(malformedIds({ LoadBalancerFullName: 'taskb-dev-alb' }), [
    'LoadBalancerFullName: "taskb-dev-alb" is not app/<name>/<16 hex>',
  ]);
});
