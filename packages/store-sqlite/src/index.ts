// @task-coordinator/store-sqlite: the embedded default store, one SQLite file in WAL mode.
import { Coordinator, type CoordinatorOptions } from '@task-coordinator/core';
import { SqliteBackend, type SqliteBackendOptions } from './sqlite-backend.js';

export type SqliteStoreOptions = SqliteBackendOptions & CoordinatorOptions;

/** The coordinator on SQLite; `database` exposes file-level operations (integrity check, stats). */
export class SqliteStore extends Coordinator {
  constructor(
    readonly database: SqliteBackend,
    options: CoordinatorOptions,
  ) {
    super(database, options);
  }
}

/**
 * Opens (creating and migrating when needed) a SQLite-backed store. Rejects with
 * STORE_UNAVAILABLE and a one-line reason when the file cannot be opened.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const { file, synchronous, busyTimeoutMs, maxGroupSize, fsync, foreignPollMs, ...coordinator } = options;
  const backend = new SqliteBackend({
    file,
    ...(synchronous ? { synchronous } : {}),
    ...(busyTimeoutMs !== undefined ? { busyTimeoutMs } : {}),
    ...(maxGroupSize !== undefined ? { maxGroupSize } : {}),
    ...(fsync ? { fsync } : {}),
    ...(foreignPollMs !== undefined ? { foreignPollMs } : {}),
  });
  return new SqliteStore(backend, coordinator);
}

export { SqliteBackend, type SqliteBackendOptions };
export type { FsyncFn } from './wal-sync.js';
export { MIGRATIONS, latestVersion, migrate, type Migration } from './migrations/index.js';
export {
  assertNotInUse,
  backupSqliteFile,
  checkSqliteFile,
  restoreSqliteFile,
  type BackupResult,
  type RestoreResult,
  type SqliteFileCheck,
} from './file-ops.js';
