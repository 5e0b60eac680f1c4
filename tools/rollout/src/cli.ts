#!/usr/bin/env node
// taskboard-rollout deploy|status|rollback --env dev [--ami ami-...|latest] [--dry-run] [--config file]
// taskboard-rollout bake --bucket <artifact bucket> --pipeline-arn <image pipeline>
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';
import { systemClock } from './clock.ts';
import { processRunner } from './stack-deploy.ts';

const defaultConfig = fileURLToPath(new URL('../rollout.config.json', import.meta.url));
const code = await runCli(process.argv.slice(2), {
  defaultConfigPath: defaultConfig,
  env: process.env,
  clock: systemClock,
  runner: processRunner,
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  createClients: (region) => ({
    ec2: new EC2Client({ region, maxAttempts: 5 }),
    autoScaling: new AutoScalingClient({ region, maxAttempts: 5 }),
    ssm: new SSMClient({ region, maxAttempts: 5 }),
    s3: new S3Client({ region, maxAttempts: 5 }),
    imageBuilder: new ImagebuilderClient({ region, maxAttempts: 5 }),
  }),
});
process.exit(code);
