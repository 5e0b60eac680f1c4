import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from './clock.ts';

/**
 * The one place the rollout talks to AWS. Everything the tool decides is tested against
 * `aws-sdk-client-mock` at this boundary (exact inputs of every EC2, Auto Scaling, SSM, S3 and Image
 * Builder request);
 * that real AWS accepts those requests is verified only by running against an account.
 */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly imageBuilder: ImagebuilderClient;
}

/** The shape shared by every SDK v3 command: a name (its class) and an input. */
interface SdkCommand {
  readonly input: object;
}

/** Minimal client surface: `send` is all the gateway needs, whatever the service. */
interface SendsCommands {
  send(command: never): Promise<unknown>;
}

export type ServiceName = 'ec2' | 'autoscaling' | 'ssm' | 's3' | 'imagebuilder';

export interface AwsGatewayOptions {
  readonly clients: AwsClients;
  readonly clock: Clock;
  /** Print write requests instead of sending them; reads still run so the plan is exact. */
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  /** Attempts per request when AWS throttles (the SDK's own retries come first). @default 6 */
  readonly maxAttempts?: number;
  /** First back-off; doubles per attempt. @default 1000 */
  readonly baseDelayMs?: number;
}

const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded', // EC2's name for it
  'TooManyRequestsException',
  'RequestThrottled',
]);

export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && THROTTLING_ERRORS.has(name);
}

/** `RunInstancesCommand` -> `RunInstances`. */
export function operationName(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

/** Binary fields (an S3 object body) print as their size, not as megabytes of digits. */
function binaryAsSize(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Uint8Array ? `<${raw.byteLength} bytes>` : value;
}

/** One line naming the exact request: `ec2:RunInstances {"ImageId":...}`. */
export function describeRequest(service: ServiceName, command: SdkCommand): string {
  return `${service}:${operationName(command)} ${JSON.stringify(command.input, binaryAsSize)}`;
}

/**
 * Sends requests with back-off on throttling (a rollout polls for many minutes; a throttled
 * Describe must not fail it), and in dry-run mode prints write requests instead of sending them.
 */
export class AwsGateway {
  readonly dryRun: boolean;
  readonly #options: AwsGatewayOptions;

  constructor(options: AwsGatewayOptions) {
    this.#options = options;
    this.dryRun = options.dryRun;
  }

  /** A request that changes nothing: always sent, also in dry-run mode. */
  read<Output>(service: ServiceName, command: SdkCommand): Promise<Output> {
    return this.#send<Output>(service, command);
  }

  /** A request that changes something: printed and skipped in dry-run mode (resolves undefined). */
  async write<Output>(service: ServiceName, command: SdkCommand): Promise<Output | undefined> {
    if (this.dryRun) {
      this.#options.log(`[dry-run] would call ${describeRequest(service, command)}`);
      return undefined;
    }
    return this.#send<Output>(service, command);
  }

  async #send<Output>(service: ServiceName, command: SdkCommand): Promise<Output> {
    const { clients, clock } = this.#options;
    const client: SendsCommands = {
      ec2: clients.ec2,
      autoscaling: clients.autoScaling,
      ssm: clients.ssm,
      s3: clients.s3,
      imagebuilder: clients.imageBuilder,
    }[service];
    const maxAttempts = this.#options.maxAttempts ?? 6;
    let delay = this.#options.baseDelayMs ?? 1000;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await client.send(command as never)) as Output;
      } catch (error) {
        if (!isThrottling(error) || attempt >= maxAttempts) throw error;
        this.#options.log(`${service}:${operationName(command)} throttled; retrying in ${delay} ms`);
        await clock.sleep(delay);
        delay *= 2;
      }
    }
  }
}
