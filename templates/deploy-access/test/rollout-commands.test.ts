// The static scan that keeps the deploy policy in step with tools/rollout: it must see every way the
// rollout could construct an AWS SDK command, and refuse a client it cannot map to an IAM prefix.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { scanSdkCommands } from './helpers/rollout-commands.ts';

function scan(files: Record<string, string>): ReturnType<typeof scanSdkCommands> {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return scanSdkCommands(dir);
}

t.test('named, aliased, multi-line and namespace imports, in nested folders; types construct nothing', async (t) => {
  const uses = scan({
    'a.ts': [
      'import {',
      '  RunInstancesCommand,',
      '  DescribeInstancesCommand as Describe,',
      '  type Instance,',
      "} from '@aws-sdk/client-ec2';",
      "import type { GetParameterCommand } from '@aws-sdk/client-ssm';",
      'new RunInstancesCommand({}); new Describe({});',
    ].join('\n'),
    'sub/b.ts': [
      "import * as cfn from '@aws-sdk/client-cloudformation';",
      "import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';",
      'new cfn.DescribeStacksCommand({}); new ListObjectsV2Command({});',
    ].join('\n'),
    'c.md': "new RunInstancesCommand from '@aws-sdk/client-ec2'",
  });
  t.same(
    uses.map((use) => `${use.file} ${use.action}`),
    [
      'a.ts ec2:RunInstances',
      'a.ts ec2:DescribeInstances',
      'sub/b.ts s3:ListBucket', // IAM names it after the bucket, not the operation
      'sub/b.ts cloudformation:DescribeStacks',
    ],
    'imported but never constructed (PutObject) and type-only imports are not sent',
  );
});

t.test('a client without a known IAM prefix fails the scan', async (t) => {
  t.throws(() => scan({ 'a.ts': "import { PublishCommand } from '@aws-sdk/client-sns';\nnew PublishCommand({});" }), {
    message: '@aws-sdk/client-sns: add its IAM service prefix to IAM_PREFIX',
  });
});
