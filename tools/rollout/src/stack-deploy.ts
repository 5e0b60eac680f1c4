import { spawn } from 'node:child_process';

/** Runs a program to completion and resolves its exit code (output goes to the terminal). */
export interface CommandRunner {
  run(command: string, args: readonly string[], cwd: string): Promise<number>;
}

export const processRunner: CommandRunner = {
  run: (command, args, cwd) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    }),
};

/** A program and its arguments, as printed by --dry-run and run otherwise. */
export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

export function formatInvocation(invocation: Invocation): string {
  return `(cd ${invocation.cwd} && ${[invocation.command, ...invocation.args].join(' ')})`;
}

/** What running or printing an invocation needs from a command's context. */
export interface InvocationContext {
  readonly runner: CommandRunner;
  readonly aws: { readonly dryRun: boolean };
  readonly log: (line: string) => void;
}

/** Runs the invocation and resolves its exit code; in dry-run only prints it and resolves 0. */
export async function runOrPrint(context: InvocationContext, invocation: Invocation): Promise<number> {
  if (context.aws.dryRun) {
    context.log(`[dry-run] would run ${formatInvocation(invocation)}`);
    return 0;
  }
  return context.runner.run(invocation.command, invocation.args, invocation.cwd);
}

export interface StackDeployOptions {
  readonly serviceTemplateDir: string;
  readonly specFile: string;
  readonly instance: string;
  readonly region: string;
  /** `cdk deploy --outputs-file` of the environment stack. */
  readonly environmentOutputs: string;
  readonly cdkCommand: readonly string[];
  /** Synthesize with an empty group until the database is migrated (a first deploy's first step). */
  readonly awaitingMigrations?: boolean;
}

/** `node scripts/synth.ts ...` of templates/service: validates the spec and writes cdk.out/<instance>. */
export function synthInvocation(options: StackDeployOptions): Invocation {
  return {
    command: process.execPath,
    args: [
      'scripts/synth.ts',
      '--spec',
      options.specFile,
      '--region',
      options.region,
      '--environment-outputs',
      options.environmentOutputs,
      ...(options.awaitingMigrations ? ['--awaiting-migrations'] : []),
    ],
    cwd: options.serviceTemplateDir,
  };
}

/** `cdk deploy` of the synthesized assembly; CloudFormation then starts the instance refresh. */
export function deployInvocation(options: StackDeployOptions): Invocation {
  const [command, ...leading] = options.cdkCommand;
  return {
    command: command!,
    args: [
      ...leading,
      'deploy',
      '--app',
      `cdk.out/${options.instance}`,
      '--require-approval',
      'never',
      '--progress',
      'events',
    ],
    cwd: options.serviceTemplateDir,
  };
}
