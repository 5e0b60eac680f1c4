// Assertions on the synthesized image pipeline.
// Verified only at this boundary: CDK assertions and cdk-nag on the synthesized CloudFormation.
// No stack is deployed; that AWS accepts and runs it is checked only by a real `cdk deploy`.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSchemaHistory, SpecValidationError } from '@taskboard/template-kit';
import { Match, Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { API_DIR, NODE_BIN, UNIT_PATH } from '../v1/infrastructure/components.ts';
import { parseImageInputs, SCHEMA_DIR } from '../v1/infrastructure/image-inputs.ts';
import { synthesizeImage } from '../v1/infrastructure/synthesize.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(PACKAGE_DIR, '..', '..');
const { templateFile } = synthesizeImage({
  specPath: join(PACKAGE_DIR, 'specs', 'default.yaml'),
  region: 'eu-west-1',
  outdir: mkdtempSync(join(tmpdir(), 'taskboard-image-')),
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
  t.throws(() => parseImageInputs({ pipeline_name: 'x', node_version: '22.1.0' }), SpecValidationError);
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
