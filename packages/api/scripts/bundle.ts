// Builds the self-contained artifact an AMI installs (templates/image) into dist/artifact/:
//   server.js        the api (src/server.ts) with every dependency and the generated Prisma client bundled;
//                    ASCII only, without comments (server.js.LEGAL.txt keeps the licence comments)
//   otlp-export-worker.js  the thread that sends spans when OTEL_TRACES_EXPORTER=otlp (src/tracing/otlp-export-thread.ts)
//   query-compiler.wasm  Prisma's query compiler, read from disk when the client first needs it
//   migrate.js       applies prisma/migrations and sets up the api's role, once per rollout (tools/rollout runs it through SSM)
//   migrations/      Prisma-format migrations folder
//   node_modules/@prisma/schema-engine-wasm/   the WebAssembly schema engine (loaded from disk, not bundled)
//   deploy/taskboard-api.service               the systemd unit
//   package.json     {"type": "module"}
// Usage: npm run bundle -w @taskboard/api   (then: tar -czf taskboard-api.tgz -C dist/artifact .)
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(API_DIR, 'dist', 'artifact');
const UNIT_FILE = join(API_DIR, 'deploy', 'taskboard-api.service');
/** File name of Prisma's query compiler next to server.js. */
export const QUERY_COMPILER_WASM = 'query-compiler.wasm';

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

/** The module the generated client takes the query compiler from (untyped: Prisma ships no .d.ts for it). */
const QUERY_COMPILER_BASE64: string = '@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs';
/** What the generated client does to get the query compiler: import a 4.5 MB base64 string module and decode it. */
const WASM_FROM_BASE64 =
  /const \{ wasm \} = await import\("@prisma\/client\/runtime\/query_compiler_fast_bg\.postgresql\.wasm-base64\.mjs"\)\s*return await decodeBase64AsWasm\(wasm\)/;

/**
 * Bundled as generated, Prisma's query compiler is a 4.5 MB base64 string inside server.js: parsed on
 * every start, kept for the process's life in V8's copy of the script source and in the string itself,
 * then decoded. Instead the wasm goes next to server.js as a file, compiled from disk when the client
 * first asks for it. The build fails if a Prisma upgrade changes the generated code this replaces.
 */
function queryCompilerFromDisk(outDir: string): Plugin {
  return {
    name: 'query-compiler-from-disk',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, async (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!WASM_FROM_BASE64.test(source)) {
          throw new Error(`${args.path}: the generated client no longer loads its query compiler as expected`);
        }
        const { wasm } = (await import(QUERY_COMPILER_BASE64)) as { wasm: string };
        writeFileSync(join(outDir, QUERY_COMPILER_WASM), Buffer.from(wasm, 'base64'));
        const fromDisk = `const { readFile } = await import('node:fs/promises')
    return new WebAssembly.Module(await readFile(new URL('./${QUERY_COMPILER_WASM}', import.meta.url)))`;
        return { loader: 'ts', contents: source.replace(WASM_FROM_BASE64, fromDisk) };
      });
    },
  };
}

/** The span export thread's code (src/tracing/otlp-export-worker.ts): an entry of its own, `<it>.js` beside server.js. */
const EXPORT_WORKER_ENTRY = 'otlp-export-worker';
const EXPORT_WORKER_URL = "new URL('./otlp-export-worker.ts', import.meta.url)";

/**
 * The export thread's code is loaded by URL, relative to the module that starts it: in src/ a .ts
 * file beside otlp-export-thread.ts, in the bundle the .js entry beside server.js and its chunks.
 * The build fails if the source stops naming it as this replaces.
 */
const exportWorkerBeside: Plugin = {
  name: 'export-worker-beside-server',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]tracing[\\/]otlp-export-thread\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(EXPORT_WORKER_URL)) {
        throw new Error(`${args.path}: no longer starts its worker from ${EXPORT_WORKER_URL}`);
      }
      return {
        loader: 'ts',
        contents: source.replace(EXPORT_WORKER_URL, `new URL('./${EXPORT_WORKER_ENTRY}.js', import.meta.url)`),
      };
    });
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  // Whitespace and comments only: names stay as written (stack traces, constructor names). A
  // comment with one non-ASCII character made V8 hold the whole 11 MB source as two-byte UTF-16
  // (23 MB for the process's life) and decode it on every start; esbuild escapes the rest (charset).
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  legalComments: 'linked',
  // Loaded from disk next to the bundle (its .wasm file is read at run time); pg-native is optional.
  external: ['@prisma/schema-engine-wasm', '@prisma/schema-engine-wasm/*', 'pg-native'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

export async function bundleArtifact(outDir = OUT_DIR): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    ...common,
    entryPoints: {
      server: join(API_DIR, 'src', 'server.ts'),
      [EXPORT_WORKER_ENTRY]: join(API_DIR, 'src', 'tracing', 'otlp-export-worker.ts'),
    },
    outdir: outDir,
    // Each dynamic import (the app after the configuration checks, tracing when it is on, the
    // Secrets Manager client when a secret is configured) is a chunk of its own, parsed only if loaded.
    splitting: true,
    // Beside server.js, so that import.meta.url-relative files (query-compiler.wasm) resolve alike.
    chunkNames: '[name]-[hash]',
    plugins: [queryCompilerFromDisk(outDir), exportWorkerBeside],
  });
  await build({
    ...common,
    stdin: {
      contents: MIGRATE_ENTRY,
      resolveDir: join(API_DIR, 'scripts'),
      sourcefile: 'migrate-entry.ts',
      loader: 'ts',
    },
    outfile: join(outDir, 'migrate.js'),
  });

  cpSync(join(API_DIR, 'prisma', 'migrations'), join(outDir, 'migrations'), { recursive: true });
  // The package's exports hide package.json: resolve its glue module and take that folder.
  const engineDir = dirname(fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')));
  cpSync(engineDir, join(outDir, 'node_modules', '@prisma', 'schema-engine-wasm'), { recursive: true });
  mkdirSync(join(outDir, 'deploy'));
  cpSync(UNIT_FILE, join(outDir, 'deploy', 'taskboard-api.service'));
  // Swagger UI's assets: read at start-up (its logo) when DOCS_ENABLED, served under /docs/static
  // (src/plugins/openapi.ts points the plugin here: bundled, its own path would miss them).
  cpSync(join(dirname(fileURLToPath(import.meta.resolve('@fastify/swagger-ui'))), 'static'), join(outDir, 'static'), {
    recursive: true,
  });
  const { version } = JSON.parse(readFileSync(join(API_DIR, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: 'taskboard-api-artifact', version, private: true, type: 'module' }, null, 2)}\n`,
  );
}

if (import.meta.main) {
  await bundleArtifact();
  console.log(`bundle: wrote ${OUT_DIR}`);
}
