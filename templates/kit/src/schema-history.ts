import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { inputTypeOf, isRecord, loadProtonSchema, type TemplateKind } from './proton-schema.ts';
import { findBreakingChanges } from './schema-compatibility.ts';

/** One released minor version of a major version's schema. */
export interface SchemaHistoryEntry {
  readonly version: string;
  /** Path of the released schema, relative to the manifest. */
  readonly file: string;
}

/**
 * Reads `<schemaDir>/history/manifest.yaml`, which lists every released minor version, oldest first.
 */
export function loadSchemaHistory(schemaDir: string): SchemaHistoryEntry[] {
  const path = join(schemaDir, 'history', 'manifest.yaml');
  const document: unknown = parse(readFileSync(path, 'utf8'));
  if (!isRecord(document) || !Array.isArray(document.versions) || document.versions.length === 0) {
    throw new Error(`${path}: expected "versions:" with at least one entry`);
  }
  return document.versions.map((entry: unknown, index: number) => {
    if (!isRecord(entry) || typeof entry.version !== 'string' || typeof entry.file !== 'string') {
      throw new Error(`${path}: versions[${index}] needs a string "version" and "file"`);
    }
    return { version: entry.version, file: entry.file };
  });
}

/** A problem found between two consecutive schema versions. */
export interface CompatibilityProblem {
  readonly from: string;
  readonly to: string;
  readonly problem: string;
}

/**
 * Compares each released minor version with the next, and the newest release with the working
 * `schema.yaml`, so an incompatible edit fails before it is released.
 */
export function checkSchemaHistory(schemaDir: string, kind: TemplateKind): CompatibilityProblem[] {
  const history = loadSchemaHistory(schemaDir);
  const versions = [
    ...history.map((entry) => ({
      version: entry.version,
      type: inputTypeOf(loadProtonSchema(join(schemaDir, 'history', entry.file)), kind),
    })),
    { version: 'schema.yaml', type: inputTypeOf(loadProtonSchema(join(schemaDir, 'schema.yaml')), kind) },
  ];
  const problems: CompatibilityProblem[] = [];
  for (let index = 1; index < versions.length; index += 1) {
    const previous = versions[index - 1]!;
    const next = versions[index]!;
    for (const problem of findBreakingChanges(previous.type, next.type)) {
      problems.push({ from: previous.version, to: next.version, problem });
    }
  }
  return problems;
}
