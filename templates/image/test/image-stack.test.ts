// Assertions on the synthesized image pipeline.
// Verified only at this boundary: CDK assertions and cdk-nag on the synthesized CloudFormation.
// No stack is deployed; that AWS accepts and runs it is checked only by a real `cdk deploy`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSchemaHistory, SpecValidationError } from '@taskboard/template-kit';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { API_DIR, NODE_BIN, UNIT_PATH } from '../v1/infrastructure/components.ts';
import { contentVersion } from '../v1/infrastructure/content-version.ts';
import { instanceArchitecture, parseImageInputs, SCHEMA_DIR } from '../v1/infrastructure/image-inputs.ts';
import { ImageStack } from '../v1/infrastructure/image-stack.ts';
import { synthesizeImage } from '../v1/infrastructure/synthesize.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(PACKAGE_DIR, '..', '..');
const outdir = mkdtempSync(join(tmpdir(), 'taskboard-image-'));
t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
const { templateFile } = synthesizeImage({
  specPath: join(PACKAGE_DIR, 'specs', 'default.yaml'),
  region: 'eu-west-1',
  outdir,
});
const json = JSON.parse(readFileSync(templateFile, 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};
const template = Template.fromJSON(json);

function componentData(name: string): {
  phases: Array<{ name: string; steps: Array<{ inputs: { commands: string[] } }> }>;
} {
  const found = Object.values(json.Resources).find(
    (r) => r.Type === 'AWS::ImageBuilder::Component' && r.Properties.Name === `taskboard-api-${name}`,
  );
  return JSON.parse(found!.Properties.Data as string);
}

/** The template of a spec's stack (no cdk-nag: the default spec's synthesis above runs it). */
function synthesized(spec: Record<string, unknown>): Template {
  const inputs = parseImageInputs({ pipeline_name: 'taskboard-api', ...spec });
  return Template.fromStack(new ImageStack(new App(), 'image', { inputs, env: { region: 'eu-west-1' } }));
}

/** The problems parseImageInputs reports for a spec (none when it is valid). */
function problemsOf(spec: Record<string, unknown>): readonly string[] {
  try {
    parseImageInputs({ pipeline_name: 'taskboard-api', ...spec });
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
}

/** The Version of each component and of the recipe, by logical id. */
function versions(template: Template): Record<string, string> {
  const resources = {
    ...template.findResources('AWS::ImageBuilder::Component'),
    ...template.findResources('AWS::ImageBuilder::ImageRecipe'),
  };
  return Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Properties.Version as string]));
}

function commands(name: string, phase: string): string {
  return componentData(name)
    .phases.find((p) => p.name === phase)!
    .steps.flatMap((s) => s.inputs.commands)
    .join('\n');
}

t.test('the schema history is compatible and the spec gets defaults; a wrong field is named', async (t) => {
  t.same(checkSchemaHistory(SCHEMA_DIR, 'environment'), []);
  const inputs = parseImageInputs({ pipeline_name: 'taskboard-api' });
  t.equal(inputs.node_version, '24.21.0');
  t.equal(inputs.image_parameter_name, '/taskboard/images/api/latest');
  t.equal(inputs.subnet_id, '');
  t.same(inputs.security_group_ids, []);
  t.throws(() => parseImageInputs({ pipeline_name: 'x', node_version: '22.1.0' }), SpecValidationError);
});

t.test('Graviton instance types have a g after the generation digit', async (t) => {
  for (const type of ['t4g.small', 'm7g.large', 'c7gn.xlarge', 'r8g.medium', 'x2gd.large', 'g5g.xlarge', 'a1.large']) {
    t.equal(instanceArchitecture(type), 'arm64', type);
  }
  for (const type of ['t3.small', 'm7i-flex.large', 'c7a.large', 'g5.xlarge', 'inf2.xlarge']) {
    t.equal(instanceArchitecture(type), 'x86_64', type);
  }
  t.equal(instanceArchitecture('u-6tb1.metal'), undefined, 'an unknown naming scheme is left to EC2');
});

t.test('the build instance type must match the architecture; the error names both fields', async (t) => {
  t.same(problemsOf({ architecture: 'x86_64' }), [
    'spec.build_instance_type: t4g.small is an arm64 instance type, but spec.architecture is x86_64; ' +
      'set spec.build_instance_type to an x86_64 type such as t3.small',
  ]);
  t.match(problemsOf({ build_instance_type: 'm7i.large' }), [/spec\.architecture is arm64.* such as t4g\.small$/]);
  t.same(problemsOf({ architecture: 'x86_64', build_instance_type: 't3.small' }), []);
  t.same(problemsOf({ build_instance_type: 'c7gn.large' }), []);
  const x86 = synthesized({ architecture: 'x86_64', build_instance_type: 't3.small' });
  x86.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', { InstanceTypes: ['t3.small'] });
  x86.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
    ParentImage: Match.objectLike({
      'Fn::Join': Match.arrayWith([Match.arrayWith([':aws:image/amazon-linux-2023-x86/x.x.x'])]),
    }),
  });
});

t.test('Node 24 is installed from a checksummed release and checked', async (t) => {
  const build = commands('node24', 'build');
  t.match(build, 'node-v24.21.0-linux-arm64.tar.xz');
  t.match(build, 'sha256sum -c -');
  t.match(build, `ln -sf /opt/node/bin/node ${NODE_BIN}`);
  t.match(commands('node24', 'validate'), "--version | grep -q '^v24\\.'");
});

t.test('the artifact and its systemd unit are installed where the unit expects them', async (t) => {
  const build = commands('artifact', 'build');
  t.match(build, 'aws ssm get-parameter --name /taskboard/images/api/artifact-uri');
  t.match(build, `tar -xzf /tmp/taskboard-api.tgz -C ${API_DIR}`);
  t.match(build, `install -m 0644 ${API_DIR}/deploy/taskboard-api.service ${UNIT_PATH}`);
  t.notMatch(build, 'systemctl enable', 'user data enables the unit once its env file exists');
  const unit = readFileSync(join(REPO, 'packages', 'api', 'deploy', 'taskboard-api.service'), 'utf8');
  t.match(unit, `ExecStart=${NODE_BIN} ${API_DIR}/server.js`, 'the unit runs what the AMI installs');
  t.match(commands('artifact', 'validate'), `systemd-analyze verify ${UNIT_PATH}`);
});

t.test('the CloudWatch agent is installed', async (t) => {
  t.match(commands('cloudwatch-agent', 'build'), 'dnf install -y amazon-cloudwatch-agent');
});

t.test('the recipe uses all three components on Amazon Linux 2023 with an encrypted root volume', async (t) => {
  template.hasResourceProperties('AWS::ImageBuilder::ImageRecipe', {
    Components: Match.arrayWith([Match.objectLike({ ComponentArn: Match.anyValue() })]),
    ParentImage: Match.objectLike({
      'Fn::Join': Match.arrayWith([Match.arrayWith([':aws:image/amazon-linux-2023-arm64/x.x.x'])]),
    }),
    BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
  });
  const recipe = Object.values(json.Resources).find((r) => r.Type === 'AWS::ImageBuilder::ImageRecipe')!;
  t.equal((recipe.Properties.Components as unknown[]).length, 3);
});

t.test('component and recipe versions follow their content, so a changed stack can be deployed again', async (t) => {
  const before = versions(synthesized({}));
  t.same(versions(synthesized({})), before, 'the same inputs give the same versions');
  t.same(versions(template), before, 'synthesis with cdk-nag gives the same versions too');
  for (const version of Object.values(before)) {
    t.match(version, /^1\.0\.\d+$/);
    t.ok(Number(version.split('.')[2]) < 2 ** 30, 'Image Builder caps each version node at 2^30 - 1');
  }
  t.equal(new Set(Object.values(before)).size, 4, 'each component and the recipe has its own');

  const after = versions(synthesized({ node_version: '24.22.0' }));
  t.not(after.NodeComponent, before.NodeComponent, 'a changed script is a new component version');
  t.equal(after.ArtifactComponent, before.ArtifactComponent, 'an unchanged component keeps its version');
  t.equal(after.CloudWatchAgentComponent, before.CloudWatchAgentComponent);
  t.not(after.Recipe, before.Recipe, 'a recipe with a new component version is a new recipe version');
  t.not(versions(synthesized({ artifact_parameter_name: '/other/uri' })).Recipe, before.Recipe);

  t.equal(contentVersion({ a: 1 }), contentVersion({ a: 1 }));
  t.not(contentVersion({ a: 1 }), contentVersion({ a: 2 }));
});

t.test('the distribution writes the AMI id to the SSM parameter the rollout reads', async (t) => {
  template.hasResourceProperties('AWS::ImageBuilder::DistributionConfiguration', {
    Distributions: [
      Match.objectLike({
        SsmParameterConfigurations: [{ ParameterName: '/taskboard/images/api/latest', DataType: 'aws:ec2:image' }],
      }),
    ],
  });
  const config = JSON.parse(readFileSync(join(REPO, 'tools', 'rollout', 'rollout.config.json'), 'utf8')) as {
    latestImageParameter: string;
  };
  t.equal(config.latestImageParameter, '/taskboard/images/api/latest');
});

t.test(
  'the build instance uses IMDSv2, reads only the artifact bucket and parameter, and the pipeline tests images',
  async () => {
    template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
      InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      TerminateInstanceOnFailure: true,
    });
    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
      ImageTestsConfiguration: { ImageTestsEnabled: true, TimeoutMinutes: 60 },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Action: 'ssm:GetParameter' })]),
      }),
    });
  },
);

t.test(
  'the pipeline runs with a role that may write the image parameter; the service-linked role may not',
  async (t) => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'imagebuilder.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ],
        },
        ManagedPolicyArns: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/EC2ImageBuilderExecutionPolicy']] },
        ],
      },
    });
    const roleId = Object.keys(roles)[0]!;
    t.equal(Object.keys(roles).length, 1);
    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
      ExecutionRole: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
    const parameterArn = (name: string): unknown => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:parameter${name}`,
        ],
      ],
    });
    // Exactly these: writing the one parameter, and DescribeImages, which checks an aws:ec2:image value.
    const grants = (name: string): unknown => ({
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'ssm:PutParameter', Effect: 'Allow', Resource: parameterArn(name) },
          { Action: 'ec2:DescribeImages', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', grants('/taskboard/images/api/latest'));
    synthesized({ image_parameter_name: '/other/latest' }).hasResourceProperties(
      'AWS::IAM::Policy',
      grants('/other/latest'),
    );
  },
);

t.test('builds run in the default VPC unless a subnet and its security groups are given', async (t) => {
  template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
    SubnetId: Match.absent(),
    SecurityGroupIds: Match.absent(),
  });
  synthesized({
    subnet_id: 'subnet-0123456789abcdef0',
    security_group_ids: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
  }).hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
    SubnetId: 'subnet-0123456789abcdef0',
    SecurityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
  });
  t.same(problemsOf({ subnet_id: 'subnet-0123456789abcdef0' }), [
    'spec.security_group_ids: required with spec.subnet_id (set both, or neither for the default VPC)',
  ]);
  t.same(problemsOf({ security_group_ids: ['sg-0123456789abcdef0'] }), [
    'spec.subnet_id: required with spec.security_group_ids (set both, or neither for the default VPC)',
  ]);
  t.match(problemsOf({ subnet_id: 'vpc-0123456789abcdef0', security_group_ids: ['sg-0123456789abcdef0'] }), [
    /^spec\.subnet_id: /,
  ]);
});
