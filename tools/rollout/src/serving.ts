import { DescribeLaunchTemplateVersionsCommand, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { AwsGateway } from './aws-gateway.ts';
import type { ServiceGroup } from './service-group.ts';

/** What a group serves: the image of its launch template version, and what its instances run. */
export interface Serving {
  /** The launch template version's image: what CloudFormation last set (the stack's ami_id). */
  readonly imageId: string;
  /** In-service instances per image, in the order first seen. */
  readonly instancesPerImage: ReadonlyMap<string, number>;
  /** Every in-service instance runs `imageId` (true with none): the group serves one image. */
  readonly uniform: boolean;
}

/**
 * The images the group's in-service instances run, from the launch template version each was launched
 * from (Auto Scaling reports it per instance). Versions other than the group's are read in one
 * DescribeLaunchTemplateVersions; with every instance on the group's version nothing more is sent.
 * The instances are the truth a refresh leaves behind; the launch template version is the truth
 * CloudFormation sees. "Already serving" needs both.
 */
export async function servingImages(aws: AwsGateway, group: ServiceGroup): Promise<Serving> {
  const inService = (group.instances ?? []).filter((instance) => instance.lifecycleState === 'InService');
  const imageOfVersion = new Map([[group.launchTemplateVersion, group.imageId]]);
  const others = [...new Set(inService.map((instance) => instance.launchTemplateVersion))].filter(
    (version): version is string => version !== undefined && !imageOfVersion.has(version),
  );
  if (others.length > 0) {
    const result = await aws.read<{ LaunchTemplateVersions?: LaunchTemplateVersion[] }>(
      'ec2',
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: group.launchTemplateId, Versions: others }),
    );
    for (const version of result.LaunchTemplateVersions ?? []) {
      const image = version.LaunchTemplateData?.ImageId;
      if (version.VersionNumber !== undefined && image) imageOfVersion.set(String(version.VersionNumber), image);
    }
  }
  const instancesPerImage = new Map<string, number>();
  for (const instance of inService) {
    const version = instance.launchTemplateVersion;
    const image =
      (version && imageOfVersion.get(version)) ?? `an unknown image (launch template version ${version ?? 'none'})`;
    instancesPerImage.set(image, (instancesPerImage.get(image) ?? 0) + 1);
  }
  return {
    imageId: group.imageId,
    instancesPerImage,
    uniform: [...instancesPerImage.keys()].every((image) => image === group.imageId),
  };
}

/** `2 instance(s) on ami-a, 1 on ami-b`, or `no instance in service`. */
export function describeServing(serving: Serving): string {
  const parts = [...serving.instancesPerImage].map(([image, count]) => `${count} on ${image}`);
  return parts.length === 0 ? 'no instance in service' : `in service: ${parts.join(', ')}`;
}
