import { Aws, DefaultStackSynthesizer } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { DeployAccessInputs, Deployer } from './deploy-access-inputs.ts';

/** Tag the rollout puts on its migration runner (tools/rollout/src/migrations.ts), and nothing else does. */
export const MIGRATION_TAG = { key: 'taskboard:purpose', value: 'migration' } as const;
/**
 * Construct ids of the roles templates/service gives its EC2 instances (their logical ids start so):
 * the api instances' role and the migration runner's, which RunInstances passes through a profile.
 */
export const SERVICE_EC2_ROLES = ['InstanceRole', 'MigrationRunnerRole'] as const;
/** The only SSM document the rollout runs (its migration command). */
export const RUN_COMMAND_DOCUMENT = 'AWS-RunShellScript';

/**
 * One statement of a deploy role's policy and, when it names a wildcard, why that wildcard is as narrow
 * as AWS allows (the reason is also the cdk-nag acknowledgement).
 */
export interface DeployStatement {
  readonly statement: iam.PolicyStatement;
  readonly wildcardReason?: string;
}

const P = Aws.PARTITION;
const R = Aws.REGION;
const A = Aws.ACCOUNT_ID;

/** `${Qualifier}`, `${AWS::AccountId}`, `${AWS::Region}` of a DefaultStackSynthesizer role ARN, for this stack. */
function bootstrapRoleArn(template: string, qualifier: string): string {
  return template
    .replace('${AWS::Partition}', P)
    .replace('${Qualifier}', qualifier)
    .replaceAll('${AWS::AccountId}', A)
    .replaceAll('${AWS::Region}', R);
}

function statement(
  sid: string,
  actions: string[],
  resources: string[],
  conditions?: Record<string, Record<string, string | string[]>>,
): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
}

/**
 * What one GitHub environment's deploy jobs call, on the narrowest resources AWS lets a policy name.
 * Sources of each group: `cdk deploy` (CDK v2 deploys by assuming the bootstrap roles, so the stacks'
 * own resources need no permission here), the workflow's `aws cloudformation describe-stacks`, and the
 * AWS SDK commands of tools/rollout (test/deploy-policy.test.ts scans them and fails on any this
 * policy does not allow).
 */
export function deployStatements(inputs: DeployAccessInputs, deployer: Deployer): DeployStatement[] {
  return [
    ...(deployer.cdk_deploy ? cdkStatements(inputs) : []),
    ...environmentStackStatements(deployer),
    ...(deployer.service_instances.length > 0 ? rolloutStatements(inputs, deployer.service_instances) : []),
    ...(deployer.bake ? bakeStatements(inputs) : []),
  ];
}

/** `cdk deploy` / `cdk diff` act through the bootstrap roles; CloudFormation itself through cfn-exec-role. */
function cdkStatements(inputs: DeployAccessInputs): DeployStatement[] {
  return [
    {
      statement: statement(
        'CdkDeployAssumesBootstrapRoles',
        ['sts:AssumeRole'],
        [
          DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN,
          DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN,
          DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN,
        ].map((arn) => bootstrapRoleArn(arn, inputs.cdk_bootstrap_qualifier)),
      ),
    },
  ];
}

/**
 * The workflow's own CloudFormation calls on the environment stack: its outputs (describe-stacks, and the
 * `wait` commands poll it too) and the change set `cdk deploy --method=prepare-change-set` created.
 * Executing needs no iam:PassRole: the change set keeps the stack's execution role.
 */
function environmentStackStatements(deployer: Deployer): DeployStatement[] {
  return [
    {
      statement: statement(
        'EnvironmentStackOutputsAndChangeSets',
        [
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeChangeSet',
          'cloudformation:ExecuteChangeSet',
          'cloudformation:DeleteChangeSet',
        ],
        [`arn:${P}:cloudformation:${R}:${A}:stack/${deployer.environment_stack}/*`],
      ),
      wildcardReason: 'The trailing * is the stack id CloudFormation assigns; the stack name is fixed.',
    },
  ];
}

/** taskboard-rollout deploy / status / rollback of these service instances, migrations included. */
function rolloutStatements(inputs: DeployAccessInputs, instances: readonly string[]): DeployStatement[] {
  const purpose = `aws:RequestTag/${MIGRATION_TAG.key}`;
  return [
    {
      statement: statement(
        'DescribeWithoutResourceLevelPermissions',
        [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeInstanceRefreshes',
          'ec2:DescribeImages',
          'ec2:DescribeLaunchTemplateVersions',
          'ssm:DescribeInstanceInformation',
          'ssm:GetCommandInvocation',
        ],
        ['*'],
      ),
      wildcardReason:
        'The Service Authorization Reference lists no resource type for these read-only actions: they accept only "*".',
    },
    {
      statement: statement(
        'ReadLatestImageId',
        ['ssm:GetParameter'],
        [`arn:${P}:ssm:${R}:${A}:parameter${inputs.image_parameter_name}`],
      ),
    },
    {
      statement: statement(
        'CancelRefreshOfOwnGroups',
        ['autoscaling:CancelInstanceRefresh'],
        instances.map(
          (instance) => `arn:${P}:autoscaling:${R}:${A}:autoScalingGroup:*:autoScalingGroupName/${instance}-*`,
        ),
      ),
      wildcardReason:
        'CloudFormation names the group <stack>-<logical id>-<random> and assigns its id: the name prefix is the stack.',
    },
    {
      statement: statement(
        'LaunchOnlyTaggedMigrationRunners',
        ['ec2:RunInstances'],
        [`arn:${P}:ec2:${R}:${A}:instance/*`],
        { StringEquals: { [purpose]: MIGRATION_TAG.value } },
      ),
      wildcardReason: 'A new instance has no id yet; the request must tag it as a migration runner.',
    },
    {
      statement: statement(
        'LaunchWithTemplateResources',
        ['ec2:RunInstances'],
        ['launch-template', 'subnet', 'security-group', 'network-interface', 'volume'].map(
          (type) => `arn:${P}:ec2:${R}:${A}:${type}/*`,
        ),
      ),
      wildcardReason:
        'RunInstances also authorizes the launch template, subnet, security group, new network interface and volume; ' +
        'they come from the service stack (CloudFormation ids) or do not exist yet. Only tagged runners can launch.',
    },
    {
      statement: statement('LaunchOwnImages', ['ec2:RunInstances'], [`arn:${P}:ec2:${R}::image/*`], {
        StringEquals: { 'ec2:Owner': A },
      }),
      wildcardReason: 'Image ARNs carry no account; ec2:Owner limits them to AMIs this account baked.',
    },
    {
      statement: statement('TagRunnersAtLaunch', ['ec2:CreateTags'], [`arn:${P}:ec2:${R}:${A}:instance/*`], {
        StringEquals: { 'ec2:CreateAction': 'RunInstances', [purpose]: MIGRATION_TAG.value },
      }),
      wildcardReason: 'Tags on create only (ec2:CreateAction), and only on migration runners.',
    },
    {
      statement: statement(
        'PassServiceRolesToRunners',
        ['iam:PassRole'],
        instances.flatMap((instance) =>
          SERVICE_EC2_ROLES.map((role) => `arn:${P}:iam::${A}:role/${instance}-${role}*`),
        ),
        { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      ),
      wildcardReason:
        'The service stack EC2 roles (instance role, migration runner role), named by CloudFormation ' +
        '<stack>-<logical id>-<random>; passed to EC2 only.',
    },
    {
      statement: statement(
        'TerminateOnlyMigrationRunners',
        ['ec2:TerminateInstances'],
        [`arn:${P}:ec2:${R}:${A}:instance/*`],
        { StringEquals: { [`aws:ResourceTag/${MIGRATION_TAG.key}`]: MIGRATION_TAG.value } },
      ),
      wildcardReason: 'Instance ids are not known in advance; the tag limits it to migration runners.',
    },
    {
      statement: statement(
        'RunShellScriptDocumentOnly',
        ['ssm:SendCommand'],
        [`arn:${P}:ssm:${R}::document/${RUN_COMMAND_DOCUMENT}`],
      ),
    },
    {
      // Its own statement: the tag condition holds for the instance, never for the document.
      statement: statement(
        'SendCommandsToMigrationRunners',
        ['ssm:SendCommand'],
        [`arn:${P}:ec2:${R}:${A}:instance/*`],
        {
          StringEquals: { [`ssm:resourceTag/${MIGRATION_TAG.key}`]: MIGRATION_TAG.value },
        },
      ),
      wildcardReason: 'Instance ids are not known in advance; the tag limits Run Command to migration runners.',
    },
  ];
}

/** `taskboard-rollout bake`: upload the artifact, point the recipe at it, run and follow the pipeline. */
function bakeStatements(inputs: DeployAccessInputs): DeployStatement[] {
  const name = inputs.image_pipeline_name;
  return [
    {
      statement: statement('UploadArtifacts', ['s3:PutObject'], [`arn:${P}:s3:::${name}-image-artifacts*/api/*`], {
        StringEquals: { 's3:ResourceAccount': A },
      }),
      wildcardReason:
        'CloudFormation names the image stack bucket <stack>-artifacts<hash>-<random>; objects under api/ only, ' +
        'in buckets of this account only.',
    },
    {
      statement: statement(
        'RecordArtifactUri',
        ['ssm:PutParameter'],
        [`arn:${P}:ssm:${R}:${A}:parameter${inputs.artifact_parameter_name}`],
      ),
    },
    {
      statement: statement(
        'StartImagePipeline',
        ['imagebuilder:StartImagePipelineExecution'],
        [`arn:${P}:imagebuilder:${R}:${A}:image-pipeline/${name}-pipeline`],
      ),
    },
    {
      statement: statement(
        'FollowImageBuilds',
        ['imagebuilder:GetImage'],
        [`arn:${P}:imagebuilder:${R}:${A}:image/${name}-recipe/*`],
      ),
      wildcardReason: 'Every version and build of the pipeline recipe image: each bake makes a new one.',
    },
  ];
}
