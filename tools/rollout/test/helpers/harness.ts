import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import t from 'tap';
import type {
  AutoScalingClientResolvedConfig,
  ServiceInputTypes as AsIn,
  ServiceOutputTypes as AsOut,
} from '@aws-sdk/client-auto-scaling';
import type {
  EC2ClientResolvedConfig,
  ServiceInputTypes as Ec2In,
  ServiceOutputTypes as Ec2Out,
} from '@aws-sdk/client-ec2';
import type {
  ImagebuilderClientResolvedConfig,
  ServiceInputTypes as IbIn,
  ServiceOutputTypes as IbOut,
} from '@aws-sdk/client-imagebuilder';
import type {
  S3ClientResolvedConfig,
  ServiceInputTypes as S3In,
  ServiceOutputTypes as S3Out,
} from '@aws-sdk/client-s3';
import type {
  SSMClientResolvedConfig,
  ServiceInputTypes as SsmIn,
  ServiceOutputTypes as SsmOut,
} from '@aws-sdk/client-ssm';
import { AwsGateway, type AwsClients } from '../../src/aws-gateway.ts';
import type { Clock } from '../../src/clock.ts';
import type { CommandContext } from '../../src/commands.ts';
import type { RolloutConfig } from '../../src/config.ts';
import { processRunner, type CommandRunner } from '../../src/stack-deploy.ts';

export const SERVICE_TEMPLATE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'templates',
  'service',
);

/** Time that moves only when the code sleeps; each sleep also yields a macrotask so child "processes" can finish. */
export class FakeClock implements Clock {
  current = Date.UTC(2026, 10, 26, 12, 0, 0);
  readonly sleeps: number[] = [];
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface RecordedRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/**
 * Records programs instead of running them (`cdk deploy` ends after one macrotask), except `tar`:
 * packing the artifact is local and harmless, and the bake tests inspect the real tarball.
 */
export class FakeRunner implements CommandRunner {
  readonly runs: RecordedRun[] = [];
  synthCode = 0;
  deployCode = 0;
  async run(command: string, args: readonly string[], cwd: string): Promise<number> {
    this.runs.push({ command, args, cwd });
    if (command === 'tar') return processRunner.run(command, args, cwd);
    if (args.includes('deploy')) {
      await new Promise((resolve) => setImmediate(resolve));
      return this.deployCode;
    }
    return this.synthCode;
  }
}

export interface Harness {
  readonly ec2: AwsStub<Ec2In, Ec2Out, EC2ClientResolvedConfig>;
  readonly autoScaling: AwsStub<AsIn, AsOut, AutoScalingClientResolvedConfig>;
  readonly ssm: AwsStub<SsmIn, SsmOut, SSMClientResolvedConfig>;
  readonly s3: AwsStub<S3In, S3Out, S3ClientResolvedConfig>;
  readonly imageBuilder: AwsStub<IbIn, IbOut, ImagebuilderClientResolvedConfig>;
  readonly clock: FakeClock;
  readonly runner: FakeRunner;
  readonly lines: string[];
  readonly context: CommandContext;
  readonly config: RolloutConfig;
  /** Copy of templates/service/specs the tests may rewrite. */
  readonly templateDir: string;
  /** The SDK clients whose `send` the mocks replace. */
  readonly clients: AwsClients;
}

export function createHarness(options: { dryRun?: boolean; config?: Partial<RolloutConfig> } = {}): Harness {
  const clients = {
    ec2: new EC2Client({ region: 'eu-west-1' }),
    autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    s3: new S3Client({ region: 'eu-west-1' }),
    imageBuilder: new ImagebuilderClient({ region: 'eu-west-1' }),
  };
  const ec2 = mockClient(clients.ec2);
  const autoScaling = mockClient(clients.autoScaling);
  const ssm = mockClient(clients.ssm);
  const s3 = mockClient(clients.s3);
  const imageBuilder = mockClient(clients.imageBuilder);
  const templateDir = mkdtempSync(join(tmpdir(), 'rollout-service-'));
  t.teardown(() => rmSync(templateDir, { recursive: true, force: true }));
  mkdirSync(join(templateDir, 'specs'));
  for (const name of ['dev.yaml', 'prod.yaml']) {
    copyFileSync(join(SERVICE_TEMPLATE, 'specs', name), join(templateDir, 'specs', name));
  }
  const clock = new FakeClock();
  const runner = new FakeRunner();
  const lines: string[] = [];
  const config: RolloutConfig = {
    region: 'eu-west-1',
    latestImageParameter: '/taskboard/images/api/latest',
    artifactDir: join(templateDir, 'artifact'),
    artifactParameter: '/taskboard/images/api/artifact-uri',
    serviceTemplateDir: templateDir,
    cdkCommand: ['cdk'],
    pollIntervalSeconds: 15,
    timeoutMinutes: 30,
    migrations: true,
    environments: { dev: { specFile: 'specs/dev.yaml', instance: 'taskboard-api-dev' } },
    ...options.config,
  };
  const log = (line: string): void => {
    lines.push(line);
  };
  const aws = new AwsGateway({ clients, clock, dryRun: options.dryRun ?? false, log });
  return {
    ec2,
    autoScaling,
    ssm,
    s3,
    imageBuilder,
    clock,
    runner,
    lines,
    config,
    templateDir,
    clients,
    context: { aws, config, clock, runner, log },
  };
}

export const OLD_IMAGE = 'ami-0123456789abcdef0';
export const NEW_IMAGE = 'ami-0aaaabbbbccccdddd';
export const GROUP = 'taskboard-api-dev-InstancesASG-1A2B3C';
export const TEMPLATE_ID = 'lt-0123456789abcdef0';
