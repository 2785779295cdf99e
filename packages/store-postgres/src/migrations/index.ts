// Numbered migrations, applied on open under an advisory lock so replicas starting together do not race.
import type { PoolClient } from 'pg';
import { DomainError } from '@task-coordinator/core';
import * as m001 from './001-initial.js';
import * as m002 from './002-audit-retention.js';
import * as m003 from './003-expect-rows.js';
import * as m004 from './004-slot-updates-in-place.js';
import * as m006 from './006-questions-review-notes.js';
import * as m007 from './007-webhooks.js';
import * as m008 from './008-file-reservations.js';
import * as m009 from './009-holdings-versions.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every migration this build knows, by version. Numbers may have gaps (branches reserve numbers
 * ahead: 5 belongs to another feature): whichever are missing from `schema_migrations` are
 * applied in ascending order, so a database migrated by a build with 1-4 and 7 still gets 5 and 6.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
  { version: 3, ...m003 },
  { version: 4, ...m004 },
  { version: 6, ...m006 },
  { version: 7, ...m007 },
  { version: 8, ...m008 },
  { version: 9, ...m009 },
];

/** The highest migration version of `migrations`. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

export async function migrate(
  client: PoolClient,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  // One lock per schema: replicas of one board take turns, other boards do not wait.
  const lock = `task-coordinator migrate ${schema}`;
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
    if (unknown.length > 0) {
      throw new DomainError(
        'STORE_UNAVAILABLE',
        `database schema has migration ${unknown.join(', ')}, which this build does not know (written by a newer build?); upgrade task-coordinator`,
      );
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return latestVersion(migrations);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new DomainError('VALIDATION_FAILED', `invalid schema name ${name}`);
  return `"${name}"`;
}
