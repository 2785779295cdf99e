// Numbered migrations, applied in ascending order on open inside one BEGIN IMMEDIATE transaction.
import type Database from 'better-sqlite3';
import { DomainError } from '@task-coordinator/core';
import * as m001 from './001-initial.js';
import * as m002 from './002-audit-retention.js';
import * as m004 from './004-questions-review-notes.js';
import * as m005 from './005-webhooks.js';
import * as m006 from './006-file-reservations.js';
import * as m007 from './007-holdings-versions.js';

export interface Migration {
  version: number;
  name: string;
  /** Plain SQL, or a step that reads the schema first (a table rebuild that keeps every column). */
  sql?: string;
  run?: (db: Database.Database) => void;
}

/**
 * Every migration this build knows, by version. Numbers may have gaps (branches reserve numbers
 * ahead: 3 belongs to another feature): whichever are missing from a file are applied in
 * ascending order, so a file migrated by a build with 1, 2 and 5 still gets 3 and 4 later.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
  { version: 4, ...m004 },
  { version: 5, ...m005 },
  { version: 6, ...m006 },
  { version: 7, ...m007 },
];

/** The highest migration version of `migrations`: what `PRAGMA user_version` says once they are applied. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

/**
 * Which versions a file has: the `schema_migrations` table, or, for a file from a build before the
 * table (it counted in `PRAGMA user_version` only, with no gaps), versions 1..user_version.
 */
function appliedVersions(db: Database.Database): Set<number> {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>;
  if (rows.length > 0) return new Set(rows.map((r) => r.version));
  const counted = db.pragma('user_version', { simple: true }) as number;
  const applied = new Set<number>();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (let version = 1; version <= counted; version++) {
    applied.add(version);
    record.run(version, MIGRATIONS.find((m) => m.version === version)?.name ?? 'unknown', Date.now());
  }
  return applied;
}

/**
 * Brings the schema up to date. The write lock makes two processes opening one file at once
 * safe: the second waits, then finds the migrations applied. A file carrying a migration this
 * build does not know (written by a newer build) is refused rather than misread.
 * Answers the highest version applied.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    const applied = appliedVersions(db);
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
    if (unknown.length > 0) {
      throw new DomainError(
        'STORE_UNAVAILABLE',
        `database schema has migration ${unknown.join(', ')}, which this build does not know (written by a newer build?); upgrade task-coordinator`,
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      if (migration.sql !== undefined) db.exec(migration.sql);
      migration.run?.(db);
      record.run(migration.version, migration.name, Date.now());
    }
    const highest = latestVersion(migrations);
    // Kept for tools that read it: the highest version applied.
    db.pragma(`user_version = ${highest}`);
    db.exec('COMMIT');
    return highest;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
