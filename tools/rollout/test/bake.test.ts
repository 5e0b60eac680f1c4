// Real AWS is verified only at this boundary: aws-sdk-client-mock answers S3, SSM and Image Builder,
// and the tests assert the exact requests. The tarball is real (tar runs) and is read back.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetImageCommand, StartImagePipelineExecutionCommand, type Image } from '@aws-sdk/client-imagebuilder';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import t from 'tap';
import { bake } from '../src/bake.ts';
import { createHarness, type Harness } from './helpers/harness.ts';

const BUCKET = 'taskboard-image-artifacts-1a2b';
const PIPELINE = 'arn:aws:imagebuilder:eu-west-1:111111111111:image-pipeline/taskboard-api';
const BUILD = 'arn:aws:imagebuilder:eu-west-1:111111111111:image/taskboard-api/1.0.0/4';
const BAKED = 'ami-0bbbbccccddddeeee';

function withArtifact(h: Harness): void {
  const dir = h.config.artifactDir;
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'server.js'), 'console.log("api");\n');
  writeFileSync(join(dir, 'migrate.js'), 'console.log("migrate");\n');
}

function imageIn(status: string, fields: Partial<Image> = {}): { image: Image } {
  return { image: { arn: BUILD, state: { status: status as never }, ...fields } };
}

function givenBuild(h: Harness, ...answers: Array<{ image: Image }>): void {
  h.imageBuilder.on(StartImagePipelineExecutionCommand).resolves({ imageBuildVersionArn: BUILD });
  const stub = h.imageBuilder.on(GetImageCommand);
  answers.forEach((answer, index) => {
    if (index === answers.length - 1) stub.resolves(answer);
    else stub.resolvesOnce(answer);
  });
}

const available = imageIn('AVAILABLE', {
  outputResources: {
    amis: [
      { region: 'us-east-1', image: 'ami-0ffffeeeeddddcccc' },
      { region: 'eu-west-1', image: BAKED },
    ],
  },
});

t.test('uploads the artifact by content hash, points the recipe at it, follows the build to its AMI', async (t) => {
  const h = createHarness();
  withArtifact(h);
  givenBuild(h, imageIn('BUILDING'), imageIn('TESTING'), available);
  const outputFile = join(h.templateDir, 'github-output');
  writeFileSync(outputFile, 'earlier=1\n');

  t.equal(await bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE, outputFile }), 0);

  const [put] = h.s3.commandCalls(PutObjectCommand);
  const input = put!.args[0].input;
  const body = input.Body as Buffer;
  const digest = createHash('sha256').update(body).digest();
  t.equal(input.Bucket, BUCKET);
  t.equal(input.Key, `api/${digest.toString('hex').slice(0, 32)}.tgz`);
  t.equal(input.ContentType, 'application/gzip');
  t.equal(input.ChecksumSHA256, digest.toString('base64'), 'S3 rejects the upload if the bytes change');
  const tarball = join(h.templateDir, 'uploaded.tgz');
  writeFileSync(tarball, body);
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  t.ok(entries.includes('./server.js') && entries.includes('./migrate.js') && entries.includes('./migrations/'));

  t.same(
    h.ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input),
    [
      {
        Name: '/taskboard/images/api/artifact-uri',
        Value: `s3://${BUCKET}/${input.Key}`,
        Type: 'String',
        Overwrite: true,
      },
    ],
  );
  const starts = h.imageBuilder.commandCalls(StartImagePipelineExecutionCommand).map((call) => call.args[0].input);
  t.equal(starts.length, 1);
  t.equal(starts[0]!.imagePipelineArn, PIPELINE);
  t.match(starts[0]!.clientToken, /^[0-9a-f-]{36}$/);
  t.same(
    h.imageBuilder.commandCalls(GetImageCommand).map((call) => call.args[0].input),
    Array(3).fill({ imageBuildVersionArn: BUILD }),
  );
  t.same(h.clock.sleeps, [15_000, 15_000]);
  t.same(h.lines.slice(-4), [
    'image build: BUILDING',
    'image build: TESTING',
    'image build: AVAILABLE',
    `baked ${BAKED}`,
  ]);
  t.equal(readFileSync(outputFile, 'utf8'), `earlier=1\nami=${BAKED}\n`, 'the AMI of the rollout region');
});

t.test('a failed or cancelled build exits 1 with its reason', async (t) => {
  for (const status of ['FAILED', 'CANCELLED']) {
    const h = createHarness();
    withArtifact(h);
    givenBuild(h, imageIn('BUILDING'), imageIn(status, { state: { status: status as never, reason: 'test failed' } }));
    t.equal(await bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), 1, status);
    t.equal(h.lines.at(-1), `bake failed: image build ${BUILD} is ${status}: test failed`);
  }
});

t.test('a build that outlasts the timeout exits 1', async (t) => {
  const h = createHarness({ config: { timeoutMinutes: 1 } });
  withArtifact(h);
  givenBuild(h, imageIn('BUILDING'));
  t.equal(await bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), 1);
  t.same(h.clock.sleeps, [15_000, 15_000, 15_000, 15_000]);
  t.equal(h.lines.at(-1), `bake failed: image build ${BUILD} still BUILDING after 1 minutes`);
});

t.test('no artifact, no build or no AMI is an error naming what is missing', async (t) => {
  const h = createHarness();
  await t.rejects(bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), {
    message: /^no api artifact in .*: run `npm run bundle -w @taskboard\/api` first$/,
  });
  t.equal(h.s3.calls().length, 0, 'nothing uploaded');

  withArtifact(h);
  h.imageBuilder.on(StartImagePipelineExecutionCommand).resolves({});
  await t.rejects(bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), {
    message: `Image Builder started no build of ${PIPELINE}`,
  });

  h.imageBuilder.reset();
  givenBuild(h, imageIn('AVAILABLE', { outputResources: { amis: [] } }));
  await t.rejects(bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), {
    message: `image build ${BUILD} is AVAILABLE but names no AMI`,
  });
});

t.test('--dry-run packs the artifact and prints the writes, sizes instead of bytes', async (t) => {
  const h = createHarness({ dryRun: true });
  withArtifact(h);
  t.equal(await bake(h.context, { bucket: BUCKET, pipelineArn: PIPELINE }), 0);
  t.equal(h.s3.calls().length + h.ssm.calls().length + h.imageBuilder.calls().length, 0, 'nothing sent');
  const writes = h.lines.filter((line) => line.startsWith('[dry-run]'));
  t.equal(writes.length, 4);
  t.match(
    writes[0],
    /^\[dry-run\] would call s3:PutObject \{"Bucket":"[^"]+","Key":"api\/[0-9a-f]{32}\.tgz","Body":"<\d+ bytes>"/,
  );
  t.match(writes[1], /^\[dry-run\] would call ssm:PutParameter \{"Name":"\/taskboard\/images\/api\/artifact-uri"/);
  t.match(writes[2], `[dry-run] would call imagebuilder:StartImagePipelineExecution {"imagePipelineArn":"${PIPELINE}"`);
});
