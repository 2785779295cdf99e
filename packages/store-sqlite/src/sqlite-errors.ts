// Driver errors become the shared error codes at the store boundary.
import { DomainError } from '@task-coordinator/core';

/** SQLite result codes (extended codes start with the primary name). */
export function mapSqliteError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new DomainError(
        'STORE_BUSY',
        'the database is locked by another writer; retry shortly',
        { driverCode: code },
        { cause: error },
      );
    }
    if (/^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|CANTOPEN|READONLY|PERM|AUTH)/.test(code)) {
      return new DomainError(
        'STORE_UNAVAILABLE',
        `the database cannot be used: ${message}`,
        { driverCode: code },
        { cause: error },
      );
    }
    return new DomainError('INTERNAL', 'the database rejected a write', { driverCode: code }, { cause: error });
  }
  return new DomainError('INTERNAL', 'unexpected store error', undefined, { cause: error });
}
