// @task-coordinator/store-postgres: the store for several server replicas on one PostgreSQL database.
import { Coordinator, type CoordinatorOptions } from '@task-coordinator/core';
import { PgBackend, type PgBackendOptions } from './pg-backend.js';

export type PostgresStoreOptions = PgBackendOptions & CoordinatorOptions;

/** The coordinator on PostgreSQL; `database` exposes the backend (schema, stats). */
export class PostgresStore extends Coordinator {
  constructor(
    readonly database: PgBackend,
    options: CoordinatorOptions,
  ) {
    super(database, options);
  }
}

/** Connects and migrates; rejects with STORE_UNAVAILABLE and a one-line reason when it cannot. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const { connectionString, schema, poolSize, maxAttempts, maxGroups, maxGroupSize, ...coordinator } = options;
  const backend = await PgBackend.open({
    connectionString,
    ...(schema !== undefined ? { schema } : {}),
    ...(poolSize !== undefined ? { poolSize } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(maxGroups !== undefined ? { maxGroups } : {}),
    ...(maxGroupSize !== undefined ? { maxGroupSize } : {}),
  });
  return new PostgresStore(backend, coordinator);
}

export { PgBackend, mapPgError, type PgBackendOptions } from './pg-backend.js';
export { MIGRATIONS, latestVersion, migrate, type Migration } from './migrations/index.js';
