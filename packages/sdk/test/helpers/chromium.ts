/**
 * Headless Chromium for browser tests: Debian's build at /usr/bin/chromium driven by playwright-core
 * (playwright's own browser download is not reachable here). `.ci/install-chromium.sh` installs it.
 * CHROMIUM_PATH points at another Chromium-based browser instead: GitHub's Ubuntu runners ship Google
 * Chrome at /usr/bin/google-chrome (actions/runner-images, "Browsers and Drivers"), which ci.yml uses.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The `skip` option for a test that needs Chromium: false when it is installed, else the reason.
 * Under CI (CI=true) a missing Chromium is not a reason to skip: CI installs it, so its absence is
 * a broken CI machine and the test must run (and fail) rather than pass silently.
 */
export function chromiumSkip(env: NodeJS.ProcessEnv = process.env, exists = existsSync(CHROMIUM)): false | string {
  if (exists || env.CI === 'true') return false;
  return `${CHROMIUM} not found: install Debian's chromium (bash .ci/install-chromium.sh) to run this browser test`;
}

/** A fresh headless Chromium with an empty profile; closed and removed by the returned `close`. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: CI must install it (bash .ci/install-chromium.sh) for the browser tests`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'taskboard-sdk-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    return {
      context,
      close: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
