/**
 * Cuts a release of @taskboard/sdk (see "Releasing" in packages/sdk/README.md):
 *
 *   npm run release -w @taskboard/sdk -- [major|minor|patch|<version>] [--dry-run] [--no-git]
 *
 * Without a specifier the bump comes from the version plans in .nx/version-plans (nx.json
 * release.versionPlans). In order:
 *   1. nx release version (dry) tells the next version; contract:check must pass for it, so a
 *      breaking contract change cannot ship in a minor or patch release;
 *   2. nx release version writes it to packages/sdk/package.json (and package-lock.json);
 *   3. packages/api/src/contract-version.ts gets the same version, and openapi.json and the SDK's
 *      generated files are regenerated, so the API's info.version moves with the release;
 *   4. nx release changelog writes packages/sdk/CHANGELOG.md from the version plans (and deletes
 *      them); the contract changes, in words, are added under the new heading;
 *   5. openapi.json becomes packages/sdk/contract/released.json, the next release's baseline;
 *   6. one commit and the tag sdk-v<version>; `git push --follow-tags` starts .github/workflows/release.yml.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nxRelease from 'nx/release';
import {
  checkContract,
  CURRENT_CONTRACT,
  pendingBumps,
  readJson,
  RELEASED_CONTRACT,
  renderMarkdown,
  renderReport,
  SDK_PACKAGE,
  workspaceRoot,
} from './contract-check.ts';
import type { ContractDocument } from './contract-diff.ts';
import { CHANGELOG, CONTRACT_VERSION_FILE, withContractChanges, withContractVersion } from './release-files.ts';

const PLANS = '.nx/version-plans';

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: workspaceRoot, stdio: 'inherit' });
}

async function main(argv: string[]): Promise<void> {
  const dryRun = argv.includes('--dry-run');
  const git = !argv.includes('--no-git');
  const specifier = argv.find((a) => !a.startsWith('--'));
  const projects = [SDK_PACKAGE];
  const common = { projects, gitCommit: false, gitTag: false, stageChanges: false, verbose: false };

  const planned = await nxRelease.releaseVersion({ ...common, specifier, dryRun: true });
  const newVersion = planned.projectsVersionData[SDK_PACKAGE]?.newVersion;
  if (!newVersion) {
    console.error('nothing to release: add a version plan (npx nx release plan ...) or pass a specifier');
    process.exitCode = 1;
    return;
  }

  const released = readJson<ContractDocument>(join(workspaceRoot, RELEASED_CONTRACT));
  const current = readJson<ContractDocument>(join(workspaceRoot, CURRENT_CONTRACT));
  const result = checkContract({ released, current, sdkVersion: newVersion, bumps: pendingBumps() });
  console.log(renderReport(result, released.info?.version ?? 'unknown'));
  if (!result.ok) {
    process.exitCode = 1;
    return;
  }
  if (dryRun) {
    console.log(`dry run: would release ${SDK_PACKAGE} ${newVersion}\n\n${renderMarkdown(result.changes)}`);
    return;
  }

  const versioned = await nxRelease.releaseVersion({ ...common, specifier, dryRun: false });
  const versionFile = join(workspaceRoot, CONTRACT_VERSION_FILE);
  writeFileSync(versionFile, withContractVersion(readFileSync(versionFile, 'utf8'), newVersion));
  run('npm', ['run', 'openapi', '-w', '@taskboard/api']);
  run('npm', ['run', 'generate', '-w', SDK_PACKAGE]);

  await nxRelease.releaseChangelog({
    ...common,
    versionData: versioned.projectsVersionData,
    version: versioned.workspaceVersion,
    releaseGraph: versioned.releaseGraph,
    dryRun: false,
  });
  const changelog = join(workspaceRoot, CHANGELOG);
  writeFileSync(
    changelog,
    withContractChanges(readFileSync(changelog, 'utf8'), newVersion, renderMarkdown(result.changes)),
  );
  copyFileSync(join(workspaceRoot, CURRENT_CONTRACT), join(workspaceRoot, RELEASED_CONTRACT));

  if (!git) return;
  const tag = `sdk-v${newVersion}`;
  run('git', [
    'add',
    '--all',
    '--',
    'packages/sdk/package.json',
    'package-lock.json',
    CONTRACT_VERSION_FILE,
    CURRENT_CONTRACT,
    'packages/sdk/src/generated',
    'packages/sdk/README.md',
    CHANGELOG,
    RELEASED_CONTRACT,
    // The plans nx release changelog consumed (deleted), when any were committed.
    ...(execFileSync('git', ['ls-files', PLANS], { cwd: workspaceRoot, encoding: 'utf8' }).trim() ? [PLANS] : []),
  ]);
  run('git', ['commit', '-m', `release: ${SDK_PACKAGE} ${newVersion}`]);
  run('git', ['tag', '-a', tag, '-m', `${SDK_PACKAGE} ${newVersion}`]);
  console.log(`released ${SDK_PACKAGE} ${newVersion}: push with \`git push --follow-tags\` to publish (${tag})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
