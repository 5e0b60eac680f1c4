import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

/**
 * Prisma's schema engine, in its published WebAssembly build, driven through the pg adapter.
 * The native engine the Prisma CLI uses is a download that offline machines cannot make;
 * this build runs the same migration code, so the `_prisma_migrations` history it writes is
 * the one `prisma migrate deploy` would write.
 */
export type SchemaEngine = bindings.SchemaEngine;

let initialised: Promise<void> | undefined;

/** The slice of the WebAssembly global used here (not in the ES lib this project compiles against). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}

async function initialiseWasm(): Promise<void> {
  const glue = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const bytes = await readFile(join(dirname(glue), 'schema_engine_bg.wasm'));
  // The package's own entry imports the .wasm file as a module, which Node does not do;
  // instantiate it by hand with the JS glue as its import object instead.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
}

export interface SchemaEngineOptions {
  readonly databaseUrl: string;
  /** Path and text of schema.prisma, for commands that read the datamodel. */
  readonly schema?: { readonly path: string; readonly content: string };
  readonly onLog?: (message: string) => void;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
/** ColumnTypeEnum.Character in @prisma/driver-adapter-utils. */
const COLUMN_TYPE_CHARACTER = 6;

/** Result rows (by identity) that held PostgreSQL `"char"` columns, and where. */
const charColumns = new WeakMap<unknown[], number[]>();

/**
 * The engine's introspection reads pg_catalog columns of PostgreSQL's internal one-byte
 * `"char"` type, which @prisma/adapter-pg 7.10 rejects as an unsupported native type
 * ("Column type 'char' could not be deserialized"). This client hands those columns to the
 * adapter as text and notes where they were, so the adapter wrapper below can report them
 * to the engine as characters, which is what it expects.
 */
class CatalogClient extends pg.Client {
  // pg's query() has many overloads: Pool.query uses the callback form, a checked-out client
  // the promise form; both are adjusted.
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, value: pg.QueryResult | undefined) =>
        (callback as (e: unknown, v: unknown) => void)(error, value ? noteCharColumns(value) : value);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (!(result instanceof Promise)) return result as never;
    return result.then(noteCharColumns) as never;
  }
}

function noteCharColumns(value: pg.QueryResult): pg.QueryResult {
  const indices: number[] = [];
  (value.fields ?? []).forEach((field, index) => {
    if (field.dataTypeID === PG_CHAR_OID) {
      field.dataTypeID = PG_TEXT_OID;
      indices.push(index);
    }
  });
  if (indices.length > 0) charColumns.set(value.rows, indices);
  return value;
}

interface QueryableLike {
  queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: unknown[] }>;
}

function restoreCharColumns<T extends QueryableLike>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.get(result.rows) ?? []) result.columnTypes[index] = COLUMN_TYPE_CHARACTER;
    return result;
  };
  return queryable;
}

function catalogAwareFactory(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = restoreCharColumns(await connect());
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => restoreCharColumns(await startTransaction(isolationLevel));
    return adapter;
  };
  return factory;
}

export async function openSchemaEngine(options: SchemaEngineOptions): Promise<OpenedSchemaEngine> {
  initialised ??= initialiseWasm();
  await initialised;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, Client: CatalogClient });
  const adapter = bindMigrationAwareSqlAdapterFactory(catalogAwareFactory(new PrismaPg(pool)));
  const datamodels: [string, string][] | undefined = options.schema
    ? [[options.schema.path, options.schema.content]]
    : undefined;
  const engine = await bindings.SchemaEngine.new({ datamodels }, options.onLog ?? (() => undefined), adapter);
  return {
    engine,
    close: async () => {
      engine.free();
      await pool.end();
    },
  };
}

export interface OpenedSchemaEngine {
  readonly engine: SchemaEngine;
  close(): Promise<void>;
}
