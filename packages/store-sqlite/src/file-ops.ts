// Whole-file operations on a SQLite board: an online backup while a server writes, a checked restore.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DomainError } from '@task-coordinator/core';
import { latestVersion } from './migrations/index.js';
import { mapSqliteError } from './sqlite-errors.js';

export interface SqliteFileCheck {
  /** `PRAGMA integrity_check`: "ok" for a sound file. */
  integrity: string;
  schemaVersion: number;
  tasks: number;
  events: number;
  lastSeq: number;
}

export interface BackupResult extends SqliteFileCheck {
  file: string;
  bytes: number;
  ms: number;
}

export interface RestoreResult extends SqliteFileCheck {
  file: string;
  /** Where the database that was replaced was moved (null when there was none). */
  previous: string | null;
  ms: number;
}

function open(file: string, options: Database.Options = {}): Database.Database {
  try {
    const db = new Database(file, { fileMustExist: true, ...options });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    throw new DomainError(
      'STORE_UNAVAILABLE',
      `cannot open ${file}: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
}

/** Integrity, schema version and row counts of a board file; refuses a file that is not one. */
export function checkSqliteFile(file: string): SqliteFileCheck {
  const db = open(file, { readonly: true });
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion < 1 || schemaVersion > latestVersion()) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${file} is not a task-coordinator database this build understands (schema version ${schemaVersion})`,
        { file, schemaVersion },
      );
    }
    const count = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
    return {
      integrity,
      schemaVersion,
      tasks: count('SELECT COUNT(*) AS n FROM tasks'),
      events: count('SELECT COUNT(*) AS n FROM events'),
      lastSeq: count('SELECT MAX(seq) AS n FROM events'),
    };
  } catch (error) {
    throw mapSqliteError(error);
  } finally {
    db.close();
  }
}

/**
 * An online, consistent copy of `source` into `destination` (which must not exist) with SQLite's
 * backup API, while servers keep writing: the copy is one snapshot (a write between two steps
 * starts it over, so it never mixes two states; a step is one read transaction, which WAL writers
 * do not wait for). Written to `<destination>.partial`, checked, then renamed, so a
 * file at `destination` is always a complete, sound backup.
 */
export async function backupSqliteFile(
  source: string,
  destination: string,
  options: { onProgress?: (pagesDone: number, pagesTotal: number) => void } = {},
): Promise<BackupResult> {
  const started = Date.now();
  if (existsSync(destination))
    throw new DomainError('VALIDATION_FAILED', `refusing to overwrite ${destination}: choose a new file`, {
      file: destination,
    });
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  const db = open(source);
  try {
    // Without a progress listener, one step copies everything; with one, about fifty steps (at
    // least 100 pages each). A write between two steps starts the copy over, and under a steady
    // load that would go on until the writes stop: once it has started over (what is left did not
    // shrink), or after twice the steps it should take, the rest goes in one step.
    let left = Number.POSITIVE_INFINITY;
    let steps = 0;
    const { totalPages } = await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        const startedOver = remainingPages >= left || ++steps > 100;
        left = remainingPages;
        if (!options.onProgress) return Math.max(totalPages, 100);
        options.onProgress(totalPages - remainingPages, totalPages);
        return startedOver ? Math.max(totalPages, 100) : Math.max(100, Math.ceil(totalPages / 50));
      },
    });
    options.onProgress?.(totalPages, totalPages);
  } catch (error) {
    rmSync(partial, { force: true });
    throw mapSqliteError(error);
  } finally {
    db.close();
  }
  const check = checkSqliteFile(partial);
  if (check.integrity !== 'ok') {
    rmSync(partial, { force: true });
    throw new DomainError('STORE_UNAVAILABLE', `the backup failed its integrity check: ${check.integrity}`, {
      file: destination,
    });
  }
  renameSync(partial, destination);
  return { ...check, file: destination, bytes: statSync(destination).size, ms: Date.now() - started };
}

/**
 * Throws STORE_BUSY when another connection has `file` open. Leaving WAL mode needs every other
 * connection closed (an idle server still holds one), so the attempt is the test; on success the
 * file is in rollback-journal mode, its WAL checkpointed away, and nobody has it open.
 */
export function assertNotInUse(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (error) {
    throw new DomainError(
      'STORE_UNAVAILABLE',
      `cannot open ${file}: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  try {
    db.pragma('busy_timeout = 0');
    const mode = String(db.pragma('journal_mode = DELETE', { simple: true }));
    if (mode !== 'delete')
      throw new DomainError('STORE_BUSY', `${file} is in use (stop the server using it first)`, { file });
  } catch (error) {
    if (error instanceof DomainError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new DomainError(
        'STORE_BUSY',
        `${file} is in use by a running server or another process: stop it before restoring`,
        { file },
      );
    }
    throw mapSqliteError(error);
  } finally {
    db.close();
  }
}

/**
 * Replaces `target` with the backup `backup`, after checking the backup's integrity and that no
 * process has `target` open. The replaced database is kept beside it (`<target>.replaced-<time>`),
 * never deleted; the restored file is checked again in place.
 */
export async function restoreSqliteFile(
  backup: string,
  target: string,
  now: Date = new Date(),
): Promise<RestoreResult> {
  const started = Date.now();
  const check = checkSqliteFile(backup);
  if (check.integrity !== 'ok')
    throw new DomainError('VALIDATION_FAILED', `${backup} fails its integrity check: ${check.integrity}`, {
      file: backup,
    });
  // Copy first (the backup API again, so a backup still in WAL mode comes over whole), then swap.
  const incoming = `${target}.restoring`;
  rmSync(incoming, { force: true });
  const source = open(backup, { readonly: true });
  try {
    await source.backup(incoming);
  } catch (error) {
    rmSync(incoming, { force: true });
    throw mapSqliteError(error);
  } finally {
    source.close();
  }
  let previous: string | null = null;
  try {
    if (existsSync(target)) {
      assertNotInUse(target);
      previous = `${target}.replaced-${now.toISOString().replace(/[:.]/g, '-')}`;
      renameSync(target, previous);
      for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    }
    renameSync(incoming, target);
  } catch (error) {
    rmSync(incoming, { force: true });
    throw error;
  }
  const restored = checkSqliteFile(target);
  if (restored.integrity !== 'ok')
    throw new DomainError(
      'STORE_UNAVAILABLE',
      `${target} failed its integrity check after the restore: ${restored.integrity}`,
      { file: target, previous },
    );
  return { ...restored, file: target, previous, ms: Date.now() - started };
}
