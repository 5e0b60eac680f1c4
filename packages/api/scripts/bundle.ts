// Builds the self-contained artifact an AMI installs (templates/image) into dist/artifact/:
//   server.js        the api (src/server.ts) with every dependency and the generated Prisma client bundled
//   migrate.js       applies prisma/migrations and sets up the api's role, once per rollout (tools/rollout runs it through SSM)
//   migrations/      Prisma-format migrations folder
//   node_modules/@prisma/schema-engine-wasm/   the WebAssembly schema engine (loaded from disk, not bundled)
//   deploy/taskboard-api.service               the systemd unit
//   package.json     {"type": "module"}
// Usage: npm run bundle -w @taskboard/api   (then: tar -czf taskboard-api.tgz -C dist/artifact .)
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(API_DIR, 'dist', 'artifact');
const UNIT_FILE = join(API_DIR, 'deploy', 'taskboard-api.service');

/**
 * Entry of migrate.js: src/db/migrate-command.ts with the same configuration as the server
 * (DATABASE_URL, or DATABASE_SECRET_ID read through the app's own Secrets Manager provider, and
 * DATABASE_SSL_CA_FILE for verify-full) plus DATABASE_MIGRATOR_SECRET_ID, the master user's secret
 * the migration runner (and only it) may read: migrations and the api role's set-up run as it.
 */
const MIGRATE_ENTRY = `
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMigrateCommand } from '../src/db/migrate-command.ts';

process.exitCode = await runMigrateCommand(process.env, {
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), 'migrations'),
  log: (line) => console.log(line),
  error: (line) => console.error(line),
});
`;

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  // Loaded from disk next to the bundle (its .wasm file is read at run time); pg-native is optional.
  external: ['@prisma/schema-engine-wasm', '@prisma/schema-engine-wasm/*', 'pg-native'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
await build({ ...common, entryPoints: [join(API_DIR, 'src', 'server.ts')], outfile: join(OUT_DIR, 'server.js') });
await build({
  ...common,
  stdin: {
    contents: MIGRATE_ENTRY,
    resolveDir: join(API_DIR, 'scripts'),
    sourcefile: 'migrate-entry.ts',
    loader: 'ts',
  },
  outfile: join(OUT_DIR, 'migrate.js'),
});

cpSync(join(API_DIR, 'prisma', 'migrations'), join(OUT_DIR, 'migrations'), { recursive: true });
// The package's exports hide package.json: resolve its glue module and take that folder.
const engineDir = dirname(fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')));
cpSync(engineDir, join(OUT_DIR, 'node_modules', '@prisma', 'schema-engine-wasm'), { recursive: true });
mkdirSync(join(OUT_DIR, 'deploy'));
cpSync(UNIT_FILE, join(OUT_DIR, 'deploy', 'taskboard-api.service'));
// Swagger UI's assets: read at start-up (its logo) when DOCS_ENABLED, served under /docs/static
// (src/plugins/openapi.ts points the plugin here: bundled, its own path would miss them).
cpSync(join(dirname(fileURLToPath(import.meta.resolve('@fastify/swagger-ui'))), 'static'), join(OUT_DIR, 'static'), {
  recursive: true,
});
const { version } = JSON.parse(readFileSync(join(API_DIR, 'package.json'), 'utf8')) as { version: string };
writeFileSync(
  join(OUT_DIR, 'package.json'),
  `${JSON.stringify({ name: 'taskboard-api-artifact', version, private: true, type: 'module' }, null, 2)}\n`,
);
console.log(`bundle: wrote ${OUT_DIR}`);
