import { Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { apiUserDataCommands, type ApiConfiguration } from './user-data.ts';

export interface ApiLaunchTemplateProps {
  /** AMI with Node 24, the api and its systemd unit; a new id is a new launch template version (a rollout). */
  readonly amiId: string;
  /** EC2 instance type; its architecture must match the AMI's. @default 't4g.small' */
  readonly instanceType?: string;
  /** Size of the encrypted gp3 root volume in GiB. @default 20 */
  readonly rootVolumeSizeGib?: number;
  /** The instances' role (InstanceRole): the launch template gets an instance profile for it. */
  readonly role: iam.IRole;
  /** The instances' security group, owned by the environment. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** What user data writes to the api's environment file and how it starts the api (user-data.ts). */
  readonly api: ApiConfiguration;
}

/**
 * The launch template of the api instances: IMDSv2 only with a hop limit of 1, detailed monitoring,
 * an encrypted gp3 root volume, and user data that configures and starts the api. The service
 * template is the one owner of its versions (templates/README.md, "Decisions").
 */
export class ApiLaunchTemplate extends Construct {
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: ApiLaunchTemplateProps) {
    super(scope, id);
    const rootVolumeSizeGib = props.rootVolumeSizeGib ?? 20;
    if (!Number.isInteger(rootVolumeSizeGib) || rootVolumeSizeGib < 8) {
      throw new Error(
        `ApiLaunchTemplate: rootVolumeSizeGib must be an integer of at least 8, got ${rootVolumeSizeGib}`,
      );
    }
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...apiUserDataCommands(props.api));
    // `Default`: the launch template keeps the logical ID it had as the stack's child `LaunchTemplate`
    // (service-stack.ts); a new one would start a new template and roll every instance.
    this.launchTemplate = new ec2.LaunchTemplate(this, 'Default', {
      machineImage: ec2.MachineImage.genericLinux({ [Stack.of(this).region]: props.amiId }),
      instanceType: new ec2.InstanceType(props.instanceType ?? 't4g.small'),
      role: props.role,
      securityGroup: props.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1, // no containers on the host: tokens must not leave the instance
      instanceMetadataTags: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(rootVolumeSizeGib, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    // ec2.LaunchTemplate tags itself and its instances and volumes with Name = its construct path,
    // which now ends in /Default. Keep this construct's path (what the stack's own child had): a
    // changed tag would be a new launch template version, and an instance refresh of the fleet.
    Tags.of(this.launchTemplate).add('Name', this.node.path);
  }
}
