import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetImageCommand,
  StartImagePipelineExecutionCommand,
  type GetImageResponse,
  type StartImagePipelineExecutionResponse,
} from '@aws-sdk/client-imagebuilder';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { pollUntil } from './clock.ts';
import type { CommandContext } from './commands.ts';
import { RolloutError } from './errors.ts';

export interface BakeOptions {
  /** Bucket of the image template (`ArtifactBucketName` output) that the recipe downloads from. */
  readonly bucket: string;
  /** `ImagePipelineArn` output of the image template. */
  readonly pipelineArn: string;
  /** File the new AMI id is appended to as `ami=ami-...` (GitHub Actions' `$GITHUB_OUTPUT`). */
  readonly outputFile?: string;
}

/** Image Builder states after which the build will not become AVAILABLE. */
const FAILED = new Set(['FAILED', 'CANCELLED', 'DEPRECATED', 'DELETED', 'DISABLED']);

/** `tar -czf` of the artifact folder; the recipe unpacks it with `tar -xzf` into /opt/taskboard/api. */
async function packArtifact(context: CommandContext, into: string): Promise<Buffer> {
  const { artifactDir } = context.config;
  if (!existsSync(join(artifactDir, 'server.js'))) {
    throw new RolloutError(`no api artifact in ${artifactDir}: run \`npm run bundle -w @taskboard/api\` first`);
  }
  const tarball = join(into, 'taskboard-api.tgz');
  const code = await context.runner.run('tar', ['-czf', tarball, '-C', artifactDir, '.'], artifactDir);
  if (code !== 0) throw new RolloutError(`tar of ${artifactDir} failed (exit ${code})`);
  return readFileSync(tarball);
}

/**
 * bake: upload the api artifact to S3 under its content hash, point the recipe's SSM parameter at it,
 * start the Image Builder pipeline and follow the build until the AMI is AVAILABLE. The pipeline's
 * distribution writes the AMI id to the parameter `deploy --ami latest` reads; this command also prints
 * it (and appends it to `outputFile`). Returns the process exit code.
 */
export async function bake(context: CommandContext, options: BakeOptions): Promise<number> {
  const { aws, config, clock, log } = context;
  const workDir = mkdtempSync(join(tmpdir(), 'taskboard-bake-'));
  let body: Buffer;
  try {
    body = await packArtifact(context, workDir);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const digest = createHash('sha256').update(body).digest();
  const key = `api/${digest.toString('hex').slice(0, 32)}.tgz`;
  const uri = `s3://${options.bucket}/${key}`;
  log(`artifact ${config.artifactDir} -> ${uri} (${body.byteLength} bytes)`);

  await aws.write(
    's3',
    new PutObjectCommand({
      Bucket: options.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/gzip',
      ChecksumSHA256: digest.toString('base64'),
    }),
  );
  await aws.write(
    'ssm',
    new PutParameterCommand({ Name: config.artifactParameter, Value: uri, Type: 'String', Overwrite: true }),
  );
  // A fresh token per bake: a rerun after a failed build must start a new one, while the SDK's own
  // retries of this request reuse the token and cannot start two.
  const started = await aws.write<StartImagePipelineExecutionResponse>(
    'imagebuilder',
    new StartImagePipelineExecutionCommand({ imagePipelineArn: options.pipelineArn, clientToken: randomUUID() }),
  );
  if (aws.dryRun) {
    log('[dry-run] would follow the image build (imagebuilder:GetImage) until it is AVAILABLE');
    return 0;
  }
  const build = started?.imageBuildVersionArn;
  if (!build) throw new RolloutError(`Image Builder started no build of ${options.pipelineArn}`);
  log(`image build ${build} started`);

  let status = '';
  const ended = await pollUntil(
    clock,
    { intervalMs: config.pollIntervalSeconds * 1000, timeoutMs: config.timeoutMinutes * 60_000 },
    async () => {
      const { image } = await aws.read<GetImageResponse>(
        'imagebuilder',
        new GetImageCommand({ imageBuildVersionArn: build }),
      );
      const previous = status;
      status = image?.state?.status ?? 'UNKNOWN';
      if (status !== previous) log(`image build: ${status}${image?.state?.reason ? ` (${image.state.reason})` : ''}`);
      return status === 'AVAILABLE' || FAILED.has(status) ? image : undefined;
    },
  );
  if (ended === undefined) {
    log(`bake failed: image build ${build} still ${status} after ${config.timeoutMinutes} minutes`);
    return 1;
  }
  if (status !== 'AVAILABLE') {
    log(`bake failed: image build ${build} is ${status}${ended.state?.reason ? `: ${ended.state.reason}` : ''}`);
    return 1;
  }
  const amis = ended.outputResources?.amis ?? [];
  const ami = (amis.find((entry) => entry.region === config.region) ?? amis[0])?.image;
  if (!ami) throw new RolloutError(`image build ${build} is AVAILABLE but names no AMI`);
  log(`baked ${ami}`);
  if (options.outputFile) appendFileSync(options.outputFile, `ami=${ami}\n`);
  return 0;
}
