// SQLite migrations: numbers with gaps are applied in ascending order whatever is missing; old files are read as they were counted;
// a board from before migration 4 (questions, review, notes) keeps its rows.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '@task-coordinator/core';
import { MIGRATIONS, latestVersion, migrate, openSqliteStore, type Migration } from '@task-coordinator/store-sqlite';
import { SQL } from '../src/queries.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('tc-migrations-');
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function db(name: string): Database.Database {
  const handle = new Database(tmp.file(name));
  open.push(handle);
  return handle;
}

const versions = (handle: Database.Database) =>
  (handle.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map(
    (r) => r.version,
  );
const tables = (handle: Database.Database) =>
  (handle.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>)
    .map((r) => r.name)
    .filter((n) => n.startsWith('m_'));

const fake = (version: number): Migration => ({ version, name: `m${version}`, sql: `CREATE TABLE m_${version} (x);` });

describe('sqlite migrations', () => {
  it('applies a migration filling a gap later, in ascending order, and each once', () => {
    const handle = db('gaps.db');
    expect(migrate(handle, [fake(1), fake(2), fake(5)])).toBe(5);
    expect(versions(handle)).toEqual([1, 2, 5]);
    // A later build knows 3 and 4 (another branch's numbers): only they run, 3 before 4.
    expect(migrate(handle, [fake(5), fake(4), fake(1), fake(3), fake(2)])).toBe(5);
    expect(versions(handle)).toEqual([1, 2, 3, 4, 5]);
    expect(tables(handle)).toEqual(['m_1', 'm_2', 'm_3', 'm_4', 'm_5']);
    expect(migrate(handle, [fake(1), fake(2), fake(3), fake(4), fake(5)])).toBe(5);
  });

  it('reads a file from before the migrations table as having 1..user_version, then adds what is missing', () => {
    const handle = db('old.db');
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) handle.exec(m.sql as string);
    handle.pragma('user_version = 2');
    migrate(handle);
    expect(versions(handle)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(handle.prepare(`SELECT name FROM sqlite_master WHERE name = 'webhook_cursors'`).get()).toBeTruthy();
  });

  it('refuses a file carrying a migration this build does not know, changing nothing', () => {
    const handle = db('newer.db');
    migrate(handle, [fake(1), fake(2), fake(6)]);
    let error: unknown;
    try {
      migrate(handle, [fake(1), fake(2), fake(3)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toContain('migration 6');
    expect(versions(handle)).toEqual([1, 2, 6]);
  });
});

const tmp2 = tempDir('tc-sqlite-migrate-');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
process.on('exit', () => tmp2.remove());

/** A file as the build before gaps left it: migrations 1..2 by user_version, a claimed task in it. */
function oldBoard(name: string): string {
  const file = tmp2.file(name);
  const db = new Database(file);
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) db.exec(m.sql as string);
  db.pragma('user_version = 2');
  db.exec(`INSERT INTO tasks (project, id, description, status, priority, deadline_key, worker, slot, max_attempts,
    lease_expires_at, created_at, updated_at, version) VALUES
    ('default', 'held', 'h', 'working', 0, 0, 'w', 1, 3, ${Date.UTC(2030, 0, 1)}, 1, 1, 2),
    ('default', 'open', 'o', 'available', 0, 0, NULL, NULL, 3, NULL, 2, 2, 1)`);
  db.exec(`INSERT INTO slots VALUES ('default', 1, 'w', 'held', ${Date.UTC(2030, 0, 1)}, 1, 1)`);
  db.close();
  return file;
}

describe('sqlite migration 4 (questions, review gate, notes)', () => {
  it('migrates a board from before migration 4: rows kept, new statuses allowed, held indexes include waiting', async () => {
    const file = oldBoard('old.db');
    const store = await openSqliteStore({ file });
    cleanups.push(() => store.close());
    expect(await store.getTask({ taskId: 'held' })).toMatchObject({
      status: 'working',
      worker: 'w',
      review: false,
      notes: [],
      question: null,
    });
    const { task } = await store.askQuestion({ taskId: 'held', workerId: 'w', question: 'ok?' });
    expect(task.status).toBe('waiting');
    expect((await store.addTask({ id: 'gated', description: 'g', review: true })).review).toBe(true);
    const db = new Database(file, { readonly: true });
    cleanups.push(() => void db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
    const versions = (
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>
    ).map((r) => r.version);
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    const plan = (sql: string, ...args: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('\n');
    expect(plan(SQL.expiredTasks, 0, 10)).toContain('tasks_held_by_lease');
    expect(plan(SQL.workerTasks, 'default', 'w')).toContain('tasks_held_by_worker');
    expect(plan(SQL.nextAvailable, 'default')).toContain('tasks_ready');
  });

  it('applies a missing lower number after higher ones (gaps from parallel branches), once', () => {
    const db = new Database(tmp2.file('gap.db'));
    cleanups.push(() => void db.close());
    migrate(db);
    // Pretend migration 2 was not known when the file was migrated: drop its record and its index.
    db.exec(`DELETE FROM schema_migrations WHERE version = 2;
      DROP INDEX events_by_time; DROP INDEX events_by_worker; DROP INDEX tasks_finished`);
    migrate(db);
    const indexes = (
      db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index'`).all() as Array<{ name: string }>
    ).map((r) => r.name);
    expect(indexes).toContain('events_by_time');
    expect(migrate(db)).toBe(latestVersion());
    expect((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(
      MIGRATIONS.length,
    );
  });

  it('refuses a file carrying a migration number this build does not know', async () => {
    const file = tmp2.file('unknown.db');
    const db = new Database(file);
    migrate(db);
    db.exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from another build', 0)`);
    db.close();
    const error = await openSqliteStore({ file }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
