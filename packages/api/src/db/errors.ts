/** Errors that mean "the database cannot be reached right now", answered with 503 + Retry-After. */
const UNAVAILABLE_CODES = new Set([
  'P1000',
  '28P01',
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '53300',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, cause } = error as { name?: string; code?: string; cause?: unknown };
  if (name === 'PrismaClientInitializationError') return true;
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const message = (error as { message?: unknown }).message;
  if (
    typeof message === 'string' &&
    /ECONNREFUSED|Connection terminated|not queryable|terminating connection due to administrator command|connection timeout|DatabaseNotReachable|the database system is (shutting down|starting up)/i.test(
      message,
    )
  ) {
    return true;
  }
  // Prisma wraps driver errors (e.g. P2039) and keeps PostgreSQL's SQLSTATE in meta.
  const original = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta
    ?.driverAdapterError?.cause?.originalCode;
  if (original !== undefined && UNAVAILABLE_CODES.has(original)) return true;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

/**
 * The database could not be reached with valid credentials right now. Carries statusCode 503,
 * so the error handler answers 503 + Retry-After (Prisma passes errors thrown by the pool
 * through unchanged).
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  readonly statusCode = 503;
}

/** The failed connection was a rejected password (invalid_password) or role (invalid_authorization). */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '28P01' || code === '28000';
}

/** Prisma's "unique constraint failed" (P2002), directly or from the driver adapter (23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, cause } = error as { code?: string; cause?: unknown };
  if (code === 'P2002' || code === '23505') return true;
  return cause !== undefined && cause !== error && isUniqueViolation(cause);
}

/** Prisma's "record to update or delete does not exist" (P2025), e.g. a version that no longer matches. */
export function isRecordNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2025';
}

/**
 * Prisma's "foreign key constraint failed" (P2003) or pg's SQLSTATE 23503: the constraint's name when the
 * driver reports it, '' when it does not; undefined for any other error.
 */
export function foreignKeyViolation(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, meta, constraint, cause } = error as {
    code?: string;
    meta?: {
      constraint?: unknown;
      driverAdapterError?: { cause?: { originalCode?: unknown; constraint?: { index?: unknown } } };
    };
    /** pg's own error (a statement on the pool, db/hot-sql.ts). */
    constraint?: unknown;
    cause?: unknown;
  };
  // P2010: a raw statement failed (`$queryRawUnsafe` in a transaction); the SQLSTATE is in the cause.
  if (code === 'P2003' || code === '23503' || meta?.driverAdapterError?.cause?.originalCode === '23503') {
    const name = meta?.driverAdapterError?.cause?.constraint?.index ?? meta?.constraint ?? constraint;
    return typeof name === 'string' ? name : '';
  }
  return cause !== undefined && cause !== error ? foreignKeyViolation(cause) : undefined;
}
