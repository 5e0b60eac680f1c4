import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { acknowledgeExecutionRoleFindings, acknowledgeImageFindings } from './nag-acknowledgements.ts';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { artifactComponent, cloudWatchAgentComponent, nodeComponent } from './components.ts';
import { contentVersion } from './content-version.ts';
import type { ImageInputs } from './image-inputs.ts';

export interface ImageStackProps extends StackProps {
  readonly inputs: ImageInputs;
}

/** Amazon Linux 2023, the newest version Image Builder publishes (patched at every bake). */
function parentImage(inputs: ImageInputs): string {
  const name = inputs.architecture === 'arm64' ? 'amazon-linux-2023-arm64' : 'amazon-linux-2023-x86';
  return `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:image/${name}/x.x.x`;
}

/**
 * The AMI bake as code (L1 Image Builder constructs): an artifact bucket, components for Node 24, the
 * api artifact with its systemd unit, and the CloudWatch agent; a recipe, a build infrastructure and a
 * distribution that writes the new AMI id to an SSM parameter, where `taskboard-rollout --ami latest`
 * reads it. The pipeline has no schedule: the deploy workflow starts it after uploading an artifact.
 */
export class ImageStack extends Stack {
  readonly artifactBucket: s3.Bucket;
  readonly pipeline: imagebuilder.CfnImagePipeline;

  constructor(scope: Construct, id: string, props: ImageStackProps) {
    super(scope, id, props);
    const inputs = props.inputs;
    const name = inputs.pipeline_name;

    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const role = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    this.artifactBucket.grantRead(role);
    acknowledgeImageFindings(role, this.artifactBucket);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [
          `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${inputs.artifact_parameter_name}`,
        ],
      }),
    );
    const profile = new iam.CfnInstanceProfile(this, 'BuildInstanceProfile', { roles: [role.roleName] });

    // Components and recipes are immutable and replaced on any change: their versions follow their content.
    const component = (id: string, componentName: string, data: string): imagebuilder.CfnComponent => {
      const definition = { name: `${name}-${componentName}`, platform: 'Linux', data };
      return new imagebuilder.CfnComponent(this, id, { ...definition, version: contentVersion(definition) });
    };
    const components = [
      component('NodeComponent', 'node24', nodeComponent(inputs)),
      component('ArtifactComponent', 'artifact', artifactComponent(inputs)),
      component('CloudWatchAgentComponent', 'cloudwatch-agent', cloudWatchAgentComponent()),
    ];

    const recipeDefinition = {
      name: `${name}-recipe`,
      parentImage: parentImage(inputs),
      components: components.map((c) => ({ componentArn: c.attrArn })),
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: 8, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
        },
      ],
    };
    // Resolved, the component ARNs are GetAtts that do not show the component versions: hash those too.
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      ...recipeDefinition,
      version: contentVersion({
        recipe: this.resolve(recipeDefinition),
        components: components.map((c) => [c.name, c.version]),
      }),
    });

    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: `${name}-infrastructure`,
      instanceProfileName: profile.ref,
      instanceTypes: [inputs.build_instance_type],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      // Empty: Image Builder launches into a default subnet of the default VPC.
      ...(inputs.subnet_id ? { subnetId: inputs.subnet_id, securityGroupIds: [...inputs.security_group_ids] } : {}),
    });

    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name: `${name}-distribution`,
      distributions: [
        {
          region: Aws.REGION,
          amiDistributionConfiguration: {
            // Untyped in the L1: CloudFormation's own (PascalCase) property names.
            Name: `${name}-{{ imagebuilder:buildDate }}`,
            AmiTags: { 'taskboard:pipeline': name },
          },
          ssmParameterConfigurations: [{ parameterName: inputs.image_parameter_name, dataType: 'aws:ec2:image' }],
        },
      ],
    });

    const executionRole = this.executionRole(inputs.image_parameter_name);
    this.pipeline = new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: `${name}-pipeline`,
      executionRole: executionRole.roleArn,
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      status: 'ENABLED',
    });
    // The role's inline policy too: the first build may start as soon as the stack is up. Only the
    // policy: the role itself is already a dependency through the GetAtt (cfn-lint W3005).
    this.pipeline.node.addDependency(executionRole.node.findChild('DefaultPolicy'));

    new CfnOutput(this, 'ImagePipelineArn', { value: this.pipeline.attrArn });
    new CfnOutput(this, 'ArtifactBucketName', { value: this.artifactBucket.bucketName });
    new CfnOutput(this, 'ImageParameterName', { value: inputs.image_parameter_name });
    new CfnOutput(this, 'ArtifactParameterName', { value: inputs.artifact_parameter_name });
  }

  /**
   * The role Image Builder runs the pipeline's builds, tests and distribution with. Without one it uses
   * its service-linked role, which may write SSM parameters only under /imagebuilder/. AWS documents
   * EC2ImageBuilderExecutionPolicy for such a role, and ssm:PutParameter on the output parameter plus
   * ec2:DescribeImages (the aws:ec2:image data type is checked) for distributing to an SSM parameter.
   */
  private executionRole(imageParameterName: string): iam.Role {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('EC2ImageBuilderExecutionPolicy')],
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:PutParameter'],
        resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${imageParameterName}`],
      }),
    );
    // DescribeImages has no resource-level permissions.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }));
    acknowledgeExecutionRoleFindings(role);
    return role;
  }
}
