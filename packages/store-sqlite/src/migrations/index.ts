// Numbered migrations, applied in order on open inside one BEGIN IMMEDIATE transaction.
import type Database from 'better-sqlite3';
import { DomainError } from '@task-coordinator/core';
import * as m001 from './001-initial.js';
import * as m002 from './002-audit-retention.js';

/** Index i holds migration i+1; `PRAGMA user_version` records how many were applied. */
export const MIGRATIONS: ReadonlyArray<{ name: string; sql: string }> = [m001, m002];

/**
 * Brings the schema up to date. The write lock makes two processes opening one file at once
 * safe: the second waits, then finds the migrations applied. A file written by a newer build
 * is refused rather than misread.
 */
export function migrate(db: Database.Database): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new DomainError(
        'STORE_UNAVAILABLE',
        `database schema version ${current} is newer than this build understands (${MIGRATIONS.length}); upgrade task-coordinator`,
      );
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      db.exec((MIGRATIONS[version - 1] as { sql: string }).sql);
      db.pragma(`user_version = ${version}`);
    }
    db.exec('COMMIT');
    return MIGRATIONS.length;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
