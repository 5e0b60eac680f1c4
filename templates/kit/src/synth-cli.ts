import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SynthTarget {
  readonly region: string | undefined;
  readonly account: string | undefined;
}

/** Where a synth script builds for: the flags, else the CDK / AWS environment variables. */
export function synthTarget(
  flags: { readonly region?: string; readonly account?: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
): SynthTarget {
  return {
    region: flags.region ?? env.CDK_DEFAULT_REGION ?? env.AWS_REGION,
    account: flags.account ?? env.CDK_DEFAULT_ACCOUNT,
  };
}

/** The specs named on the command line, else every `*.yaml` in `dir`. */
export function specsToSynthesize(named: readonly string[] | undefined, dir = 'specs'): string[] {
  if (named !== undefined) return [...named];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(dir, name));
}

/**
 * Synthesizes each spec, printing the template each stack was written to or why the spec failed,
 * and goes on with the next spec after a failure. Returns the exit code: 1 when any spec failed.
 */
export function synthesizeEach(
  specs: readonly string[],
  synthesize: (specPath: string) => readonly { readonly stackName: string; readonly templateFile: string }[],
): number {
  let failed = false;
  for (const specPath of specs) {
    try {
      for (const result of synthesize(specPath))
        console.log(`${specPath}: ${result.stackName} -> ${result.templateFile}`);
    } catch (error) {
      failed = true;
      console.error(`${specPath}: ${(error as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}
