// PostgreSQL migrations: numbers with gaps are applied in ascending order whatever is missing, each once;
// a board from before migration 6 (questions, review, notes) keeps its rows.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@task-coordinator/core';
import {
  MIGRATIONS,
  latestVersion,
  migrate,
  openPostgresStore,
  type Migration,
} from '@task-coordinator/store-postgres';
import { DATABASE_URL, HAS_PG, freshSchema } from './helpers.js';

const fake = (version: number): Migration => ({
  version,
  name: `m${version}`,
  sql: `CREATE TABLE m_${version} (x int);`,
});

describe.skipIf(!HAS_PG)('postgres migrations', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await pool.end();
  });

  async function run(schema: string, migrations: Migration[]): Promise<number[]> {
    const client = await pool.connect();
    try {
      await migrate(client, schema, migrations);
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      return rows.map((r) => r.version);
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
  }

  it('applies a migration filling a gap later, in ascending order, and each once', async () => {
    const schema = freshSchema('mig');
    expect(await run(schema, [fake(1), fake(2), fake(7)])).toEqual([1, 2, 7]);
    expect(await run(schema, [fake(7), fake(6), fake(1), fake(5), fake(2)])).toEqual([1, 2, 5, 6, 7]);
    const { rows } = await pool.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY applied_at, version`,
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2, 7, 5, 6]);
  });

  it('refuses a database carrying a migration this build does not know', async () => {
    const schema = freshSchema('mig');
    await run(schema, [fake(1), fake(8)]);
    const error = await run(schema, [fake(1), fake(2)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toContain('migration 8');
  });
});

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!HAS_PG)('postgres migration 6 (questions, review gate, notes)', () => {
  it('migrates a board from before migration 6, and applies a missing lower number after higher ones', async () => {
    const schema = freshSchema('migrate');
    await withClient(async (client) => {
      await client.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"`);
      await client.query(
        `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      await client.query(`INSERT INTO tasks (project, id, description, status, priority, deadline_key, worker, slot,
        max_attempts, lease_expires_at, created_at, updated_at, version)
        VALUES ('default', 'held', 'h', 'working', 0, 0, 'w', 1, 3, ${Date.UTC(2030, 0, 1)}, 1, 1, 2)`);
      await client.query(`INSERT INTO slots VALUES ('default', 1, 'w', 'held', ${Date.UTC(2030, 0, 1)}, 1, 1)`);
    });
    let store = await openPostgresStore({ connectionString: DATABASE_URL, schema });
    try {
      expect(await store.getTask({ taskId: 'held' })).toMatchObject({ status: 'working', review: false, notes: [] });
      expect((await store.askQuestion({ taskId: 'held', workerId: 'w', question: 'ok?' })).task.status).toBe('waiting');
      expect((await store.heartbeat({ workerId: 'w' })).tasks).toEqual(['held']);
    } finally {
      await store.close();
    }
    // Migration 2 "not known" when the board was migrated: its record and indexes gone; reopening applies it.
    await withClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(`DELETE FROM schema_migrations WHERE version = 2`);
      await client.query(`DROP INDEX events_by_worker; DROP INDEX events_by_time; DROP INDEX tasks_finished`);
    });
    store = await openPostgresStore({ connectionString: DATABASE_URL, schema });
    await store.close();
    await withClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      const versions = (
        await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      ).rows;
      expect(versions.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(Math.max(...versions.map((r) => r.version))).toBe(latestVersion());
      const indexes = (
        await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1`, [schema])
      ).rows;
      expect(indexes.map((r) => r.indexname)).toEqual(
        expect.arrayContaining(['events_by_time', 'tasks_needing_people']),
      );
    });
  });

  it('refuses a schema carrying a migration number this build does not know', async () => {
    const schema = freshSchema('unknown');
    const store = await openPostgresStore({ connectionString: DATABASE_URL, schema });
    await store.close();
    await withClient(async (client) => {
      await client.query(
        `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from another build')`,
      );
    });
    const error = await openPostgresStore({ connectionString: DATABASE_URL, schema }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
