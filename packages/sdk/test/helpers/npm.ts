/**
 * Runs npm (or npx) in a folder as a separate user would: without the npm_* variables of the
 * `npm test` that started this test (they would make npm act on the workspace) and with its own
 * user config and cache, so nothing from this machine's ~/.npmrc or cache takes part.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface NpmHome {
  /** The user config file (`npm_config_userconfig`). */
  readonly userconfig: string;
  /** A cache folder of its own. */
  readonly cache: string;
}

export function isolatedEnv(home: NpmHome): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NODE_OPTIONS carries the test runner's loaders, which only slow the child down.
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return {
    ...env,
    npm_config_userconfig: home.userconfig,
    npm_config_cache: home.cache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** Runs a command; on failure the error says what ran and what it printed. */
export async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}
