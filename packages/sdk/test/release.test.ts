import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import YAML from 'yaml';
import { CONTRACT_VERSION } from '../../api/src/contract-version.ts';
import { missingFiles, promisedFiles } from '../scripts/check-pack.ts';
import { CONTRACT_VERSION_FILE, withContractChanges, withContractVersion } from '../scripts/release-files.ts';
import { generateOpenApiTypes, OUTPUT, packageRoot, type Document } from '../scripts/generate-openapi-types.ts';
import { apiVersion } from '../src/generated/operations.ts';

const exec = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
  repository: { url: string; directory: string };
  publishConfig: Record<string, unknown>;
  exports: Record<string, unknown>;
  files: string[];
};
const spec = JSON.parse(readFileSync(join(packageRoot, '../api/openapi.json'), 'utf8')) as Document & {
  info: { version: string };
};

t.test('the contract version moves with the SDK version', (t) => {
  t.equal(CONTRACT_VERSION, manifest.version, 'packages/api/src/contract-version.ts = packages/sdk/package.json');
  t.equal(spec.info.version, manifest.version, 'packages/api/openapi.json info.version (run `npm run openapi`)');
  t.equal(apiVersion, manifest.version, 'the SDK apiVersion (run `npm run generate -w @taskboard/sdk`)');
  t.end();
});

t.test(`${OUTPUT} is fresh (run \`npm run generate\` if this fails)`, (t) => {
  t.equal(readFileSync(join(packageRoot, OUTPUT), 'utf8'), generateOpenApiTypes(spec));
  t.end();
});

t.test('openapi-typescript shape for what the API does not emit today', (t) => {
  const out = generateOpenApiTypes({
    openapi: '3.1.0',
    paths: {
      '/x/{id}': {
        parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string' } }],
        post: {
          requestBody: { content: { 'application/json': { schema: { allOf: [{ type: 'object' }, { const: 1 }] } } } },
          responses: { default: { description: 'any' } },
        },
      },
    },
  });
  t.match(out, /"\/x\/\{id\}": \{\n {8}parameters: \{\n[^]*?path: \{\n {16}id: string;/);
  t.match(out, /post: \{\n[^]*?requestBody\?: \{\n[^]*?"application\/json": \(Record<string, unknown>\) & \(1\);/);
  t.match(out, /"default": \{\n[^]*?content\?: never;/);
  t.match(out, /schemas: never;/);
  t.match(out, /export interface operations \{\}/);
  t.throws(
    () =>
      generateOpenApiTypes({
        openapi: '3.1.0',
        paths: { '/y': { get: { responses: { 200: { content: { 'a/b': { schema: { $ref: '#/x' } } } } } } } },
      }),
    /unsupported \$ref #\/x/,
  );
  t.throws(
    () => generateOpenApiTypes({ openapi: '3.1.0', paths: {}, components: { schemas: { A: { type: 'tuple' } } } }),
    /unsupported schema type tuple/,
  );
  t.end();
});

t.test('package metadata a registry and provenance need', (t) => {
  t.match(manifest.repository, { url: /^git\+https:\/\/github\.com\/.+\.git$/, directory: 'packages/sdk' });
  t.same(manifest.publishConfig, { access: 'public' });
  t.same(manifest.files, ['dist']);
  t.same(manifest.exports['./openapi.json'], './dist/openapi.json');
  t.end();
});

t.test('check-pack names every file exports/types promise and which are missing', (t) => {
  t.same(
    promisedFiles({ types: './a.d.ts', exports: { '.': { types: './a.d.ts', import: './a.js' }, './x': './x.json' } }),
    ['./a.d.ts', './a.js', './x.json'],
  );
  t.same(promisedFiles({}), []);
  t.end();
});

t.test('npm pack of a package whose build produced nothing fails loudly instead of shipping it', async (t) => {
  // The same prepack guard as packages/sdk/package.json, on a package with an empty dist: npm stops
  // at a failing lifecycle script and exits non-zero.
  const dir = mkdtempSync(join(tmpdir(), 'sdk-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const check = join(packageRoot, 'scripts/check-pack.ts');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'empty-build',
      version: '1.0.0',
      files: ['dist'],
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      scripts: { prepack: `node ${JSON.stringify(check)}` },
    }),
  );
  t.same(missingFiles(dir), ['./dist/index.d.ts', './dist/index.js']);
  const env = { ...process.env, npm_config_cache: join(dir, '.cache'), NODE_OPTIONS: '' };
  const failed = (await exec('npm', ['pack', '--dry-run'], { cwd: dir, env }).catch((e: unknown) => e)) as {
    code?: number;
    stderr?: string;
  };
  t.not(failed.code ?? 0, 0, 'npm pack exits non-zero');
  t.match(
    failed.stderr ?? '',
    /refusing to pack .*: the build did not produce \.\/dist\/index\.d\.ts, \.\/dist\/index\.js/,
  );
});

t.test('npm pack builds the SDK and ships dist, the contract and its types', async (t) => {
  const env = { ...process.env, NODE_OPTIONS: '' };
  const { stdout } = await exec('npm', ['pack', '--dry-run', '--json'], { cwd: packageRoot, env, maxBuffer: 1 << 24 });
  const [pack] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { files: { path: string }[] }[];
  const files = (pack?.files ?? []).map((f) => f.path);
  for (const file of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/openapi.json',
    'dist/generated/openapi.d.ts',
    'package.json',
  ]) {
    t.ok(files.includes(file), `${file} is in the tarball`);
  }
  t.same(
    JSON.parse(readFileSync(join(packageRoot, 'dist/openapi.json'), 'utf8')),
    spec,
    'the shipped document is the contract',
  );
});

t.test('release.yml publishes on the tags nx release makes, with provenance and least privilege', (t) => {
  // Provenance needs `id-token: write` in the publishing job, a GitHub-hosted runner and
  // `--provenance` (NPM_CONFIG_PROVENANCE is npm's environment form of that flag):
  //   https://docs.npmjs.com/generating-provenance-statements#publishing-packages-with-provenance-via-github-actions
  // Permissions per job, everything unlisted is none:
  //   https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
  const root = join(packageRoot, '../..');
  const workflow = YAML.parse(readFileSync(join(root, '.github/workflows/release.yml'), 'utf8')) as {
    on: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<
      string,
      {
        'runs-on': string;
        needs?: string;
        permissions: Record<string, string>;
        steps: { run?: string; env?: Record<string, string> }[];
      }
    >;
  };
  const nx = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as {
    release: { releaseTag: { pattern: string } };
  };
  t.same(
    workflow.on.push.tags,
    [nx.release.releaseTag.pattern.replace('{version}', '*')],
    'the tag nx release creates',
  );
  t.same(workflow.permissions, {}, 'no default permissions');
  t.same(workflow.jobs['verify']?.permissions, { contents: 'read' });
  const publish = workflow.jobs['publish'];
  t.same(publish?.permissions, { contents: 'read', 'id-token': 'write' });
  t.equal(publish?.needs, 'verify');
  t.equal(publish?.['runs-on'], 'ubuntu-latest');
  const step = publish?.steps.find((s) => s.run?.includes('nx release publish'));
  t.match(step?.run, /^npx nx release publish --projects=@taskboard\/sdk --registry=https:\/\/registry\.npmjs\.org$/);
  t.equal(step?.env?.['NPM_CONFIG_PROVENANCE'], 'true');
  t.end();
});

t.test('the release rewrites the contract version and puts the contract changes under the new entry', (t) => {
  const source = readFileSync(join(packageRoot, '..', CONTRACT_VERSION_FILE.replace('packages/', '')), 'utf8');
  t.match(withContractVersion(source, '2.0.0'), /^export const CONTRACT_VERSION = '2\.0\.0';$/m);
  t.throws(() => withContractVersion('nothing here', '2.0.0'), /no CONTRACT_VERSION line/);

  // The heading nx release changelog writes for a new file, then for later entries.
  const first = '# 2.0.0 (2026-12-01)\n\n### ⚠️  Breaking Changes\n\n- Remove GET /v1/legacy.';
  const section = '### API contract changes\n\n**Breaking**\n\n- `GET /v1/legacy`: operation was removed\n';
  t.equal(
    withContractChanges(first, '2.0.0', section),
    '# 2.0.0 (2026-12-01)\n\n### API contract changes\n\n**Breaking**\n\n- `GET /v1/legacy`: operation was removed\n\n### ⚠️  Breaking Changes\n\n- Remove GET /v1/legacy.',
  );
  t.match(
    withContractChanges(`## 2.1.0 (x)\n\nnotes\n\n${first}`, '2.1.0', section),
    /^## 2\.1\.0 \(x\)\n\n### API contract/,
  );
  t.equal(withContractChanges(first, '2.0.0', ''), first, 'nothing to add without contract changes');
  t.throws(() => withContractChanges(first, '3.0.0', section), /CHANGELOG\.md has no "3\.0\.0" entry/);
  t.end();
});
