import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { openSchemaEngine } from './schema-engine.ts';

export const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');

/** Reads a Prisma-format migrations folder (`<timestamp>_<name>/migration.sql`). */
export async function readMigrations(baseDir: string = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    folders.map(async (path) => {
      const content = await readFile(join(baseDir, path, 'migration.sql'), 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: unknown) => ({ tag: 'error' as const, value: String(error) }),
      );
      return { path, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockfilePath = join(baseDir, 'migration_lock.toml');
  const lockfile = await readFile(lockfilePath, 'utf8').catch(() => null);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Names of the migrations in the folder, oldest first. */
export async function migrationNames(baseDir: string = MIGRATIONS_DIR): Promise<string[]> {
  const list = await readMigrations(baseDir);
  return list.migrationDirectories.map((directory) => directory.path);
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * The equivalent of `prisma migrate deploy`: applies every migration not yet recorded in
 * `_prisma_migrations`, under the engine's advisory lock, and returns the names applied.
 */
export async function migrateDeploy(databaseUrl: string, baseDir: string = MIGRATIONS_DIR): Promise<string[]> {
  const { engine, close } = await openSchemaEngine({ databaseUrl });
  try {
    const migrationsList = await readMigrations(baseDir);
    const result = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return result.appliedMigrationNames;
  } finally {
    await close();
  }
}

/**
 * SQL that takes the database at `databaseUrl` to the datamodel in schema.prisma;
 * empty when they match (no drift).
 */
export async function diffDatabaseToSchema(databaseUrl: string, schemaPath: string = SCHEMA_PATH): Promise<string> {
  const content = await readFile(schemaPath, 'utf8');
  const { engine, close } = await openSchemaEngine({ databaseUrl, schema: { path: schemaPath, content } });
  try {
    const result = await engine.diff({
      // "The datasource" is the database the engine's adapter is connected to.
      from: { tag: 'schemaDatasource', files: [{ path: schemaPath, content }], configDir: PRISMA_DIR },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return (result.stdout ?? '').trim();
  } finally {
    await close();
  }
}

/** True when the SQL only holds comments, e.g. the engine's "-- This is an empty migration." */
export function isEmptyMigration(sql: string): boolean {
  return sql
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}
