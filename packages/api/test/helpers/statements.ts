import pg from 'pg';

/** Statements that only delimit a transaction; issue 17 counts round trips besides them. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION)\b/i;

export interface StatementLog {
  /** SQL texts sent by every pg client of this process since the last `reset`. */
  readonly all: readonly string[];
  /** The same without transaction control. */
  readonly data: readonly string[];
  reset(): void;
  /** `all`, then `reset`: the statements since the last take or reset. */
  take(): string[];
}

/**
 * Records every statement the process sends through `pg` (the api's pool and Prisma's adapter
 * both use it), so a test can count the round trips one request costs. The test must not
 * query the database itself while recording.
 */
export function recordStatements(
  t: { teardown: (fn: () => unknown) => void },
  onStatement?: (sql: string) => void,
): StatementLog {
  const original = pg.Client.prototype.query;
  let all: string[] = [];
  const patched = function (this: pg.Client, ...args: unknown[]): unknown {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (text !== undefined) {
      all.push(text);
      onStatement?.(text);
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = patched as typeof original;
  t.teardown(() => {
    pg.Client.prototype.query = original;
  });
  return {
    get all() {
      return all;
    },
    get data() {
      return all.filter((sql) => !TRANSACTION_CONTROL.test(sql));
    },
    reset() {
      all = [];
    },
    take() {
      const taken = all;
      all = [];
      return taken;
    },
  };
}
