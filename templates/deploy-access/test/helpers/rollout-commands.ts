import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** IAM service prefix of each AWS SDK v3 client package (`@aws-sdk/client-<name>`). */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  'auto-scaling': 'autoscaling',
  cloudformation: 'cloudformation',
  ec2: 'ec2',
  iam: 'iam',
  imagebuilder: 'imagebuilder',
  rds: 'rds',
  s3: 's3',
  'secrets-manager': 'secretsmanager',
  ssm: 'ssm',
  sts: 'sts',
};

/** Commands whose IAM action is not named like the operation (Service Authorization Reference). */
const ACTION_OF_COMMAND: Readonly<Record<string, string>> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
};

export interface SdkCommandUse {
  /** `client-ec2`. */
  readonly client: string;
  /** `RunInstancesCommand`. */
  readonly command: string;
  /** `ec2:RunInstances`. */
  readonly action: string;
  /** Relative to the scanned folder: `migrations.ts`. */
  readonly file: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every `new XxxCommand(` of an `@aws-sdk/client-*` import in the TypeScript under `dir`, by static scan:
 * named imports (aliases too) and namespace imports (`import * as ec2 ...; new ec2.XxxCommand(`).
 * A command from a client without a known IAM prefix throws, so a new client cannot slip past.
 */
export function scanSdkCommands(dir: string): SdkCommandUse[] {
  const uses: SdkCommandUse[] = [];
  for (const path of sourceFiles(dir)) {
    const text = readFileSync(path, 'utf8');
    const file = relative(dir, path);
    const local = new Map<string, { client: string; command: string }>();
    for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
      if (match[1]) continue; // `import type { ... }` constructs nothing
      for (const raw of match[2]!.split(',')) {
        const specifier = raw.trim();
        if (specifier === '' || specifier.startsWith('type ')) continue;
        const [imported, alias] = specifier.split(/\s+as\s+/);
        if (imported!.endsWith('Command')) local.set(alias ?? imported!, { client: match[3]!, command: imported! });
      }
    }
    for (const match of text.matchAll(/new\s+([A-Za-z0-9_]+)\s*\(/g)) {
      const found = local.get(match[1]!);
      if (found) uses.push({ ...found, action: actionOf(found.client, found.command), file });
    }
    for (const ns of text.matchAll(/import\s+\*\s+as\s+([A-Za-z0-9_]+)\s+from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
      for (const match of text.matchAll(new RegExp(`new\\s+${ns[1]}\\.([A-Za-z0-9_]+Command)\\s*\\(`, 'g'))) {
        uses.push({ client: ns[2]!, command: match[1]!, action: actionOf(ns[2]!, match[1]!), file });
      }
    }
  }
  return uses;
}

function actionOf(client: string, command: string): string {
  const prefix = IAM_PREFIX[client.replace(/^client-/, '')];
  if (!prefix) throw new Error(`@aws-sdk/${client}: add its IAM service prefix to IAM_PREFIX`);
  const action = `${prefix}:${command.replace(/Command$/, '')}`;
  return ACTION_OF_COMMAND[action] ?? action;
}
