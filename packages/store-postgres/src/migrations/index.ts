// Numbered migrations, applied on open under an advisory lock so replicas starting together do not race.
import type { PoolClient } from 'pg';
import { DomainError } from '@task-coordinator/core';
import * as m001 from './001-initial.js';
import * as m002 from './002-audit-retention.js';
import * as m003 from './003-expect-rows.js';
import * as m004 from './004-slot-updates-in-place.js';

export const MIGRATIONS: ReadonlyArray<{ name: string; sql: string }> = [m001, m002, m003, m004];

export async function migrate(client: PoolClient, schema: string): Promise<number> {
  // One lock per schema: replicas of one board take turns, other boards do not wait.
  const lock = `task-coordinator migrate ${schema}`;
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
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
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new DomainError('VALIDATION_FAILED', `invalid schema name ${name}`);
  return `"${name}"`;
}
