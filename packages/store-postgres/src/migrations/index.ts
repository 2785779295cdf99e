// Numbered migrations, applied on open under an advisory lock so replicas starting together do not race.
import type { PoolClient } from 'pg';
import { DomainError } from '@task-coordinator/core';
import * as m001 from './001-initial.js';

export const MIGRATIONS: ReadonlyArray<{ name: string; sql: string }> = [m001];

/** One lock id for "migrating this schema" (any constant shared by every replica). */
const MIGRATION_LOCK = 7_458_220_431;

export async function migrate(client: PoolClient, schema: string): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new DomainError('STORE_UNAVAILABLE', `database schema version ${current} is newer than this build understands (${MIGRATIONS.length}); upgrade task-coordinator`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version - 1] as { name: string; sql: string };
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return MIGRATIONS.length;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new DomainError('VALIDATION_FAILED', `invalid schema name ${name}`);
  return `"${name}"`;
}
