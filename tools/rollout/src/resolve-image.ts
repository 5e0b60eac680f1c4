import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { GetParameterCommand, type Parameter } from '@aws-sdk/client-ssm';
import type { AwsGateway } from './aws-gateway.ts';
import { RolloutError } from './errors.ts';

export const LATEST = 'latest';

/**
 * Turns `--ami ami-...` or `--ami latest` (the id Image Builder's distribution wrote to an SSM
 * parameter) into an image id, and checks the image exists and is available.
 */
export async function resolveImage(aws: AwsGateway, requested: string, latestParameter: string): Promise<string> {
  let imageId = requested;
  if (requested === LATEST) {
    const result = await aws.read<{ Parameter?: Parameter }>('ssm', new GetParameterCommand({ Name: latestParameter }));
    imageId = result.Parameter?.Value ?? '';
    if (!imageId) throw new RolloutError(`SSM parameter ${latestParameter} holds no image id`);
  }
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new RolloutError(`not an AMI id: ${imageId}`);
  const images = await aws.read<{ Images?: Image[] }>('ec2', new DescribeImagesCommand({ ImageIds: [imageId] }));
  const state = images.Images?.[0]?.State;
  if (state !== 'available') throw new RolloutError(`image ${imageId} is ${state ?? 'not found'}, not available`);
  return imageId;
}
