import {
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GROUP, NEW_IMAGE, OLD_IMAGE, TEMPLATE_ID, type Harness } from './harness.ts';

/** The service stack's group on launch template version 7 running OLD_IMAGE; NEW_IMAGE is baked. */
export function givenServiceGroup(h: Harness, version = '7'): void {
  h.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: GROUP,
        LaunchTemplate: { LaunchTemplateId: TEMPLATE_ID, Version: version },
        VPCZoneIdentifier: 'subnet-0aaa,subnet-0bbb',
        MinSize: 1,
        MaxSize: 2,
        DesiredCapacity: 1,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
        HealthCheckType: 'ELB',
        CreatedTime: new Date(0),
      },
    ],
  });
  h.ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
    LaunchTemplateVersions: [{ VersionNumber: Number(version), LaunchTemplateData: { ImageId: OLD_IMAGE } }],
  });
  h.ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/taskboard/images/api/latest', Value: NEW_IMAGE } });
  h.ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: NEW_IMAGE, State: 'available' }] });
}

/** Successive answers of DescribeInstanceRefreshes (the last one repeats). */
export function givenRefreshes(h: Harness, ...answers: Array<InstanceRefresh[]>): void {
  const stub = h.autoScaling.on(DescribeInstanceRefreshesCommand);
  answers.forEach((refreshes, index) => {
    if (index === answers.length - 1) stub.resolves({ InstanceRefreshes: refreshes });
    else stub.resolvesOnce({ InstanceRefreshes: refreshes });
  });
}

/** A refresh CloudFormation started after the deploy began (the fake clock's start). */
export function refresh(h: Harness, fields: Partial<InstanceRefresh>): InstanceRefresh {
  return {
    InstanceRefreshId: 'ir-1111',
    AutoScalingGroupName: GROUP,
    StartTime: new Date(h.clock.current + 1000),
    ...fields,
  };
}

/** A rollout: no refresh before it (the first read), then these answers while it is followed. */
export function givenRollout(h: Harness, ...answers: Array<InstanceRefresh[]>): void {
  givenRefreshes(h, [], ...answers);
}
