// An online backup with progress (about fifty steps) while another connection writes between
// every two steps, as a busy server does: each such write starts the copy over, and the copy must
// not go on starting over for as long as the writes go on. The writes stop after WRITES steps; the
// backup has to be done long before.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupSqliteFile, checkSqliteFile, openSqliteStore, type SqliteStore } from '@task-coordinator/store-sqlite';
import { tempDir } from './helpers.js';

const tmp = tempDir('tc-backup-');
const stores: SqliteStore[] = [];
const connections: Database.Database[] = [];
afterEach(async () => {
  for (const db of connections.splice(0)) db.close();
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

const WRITES = 500;

describe('backup with progress under a steady write load', () => {
  it('finishes while the writes go on, whole and sound', async () => {
    const file = tmp.file('busy.db');
    const store = await openSqliteStore({ file });
    stores.push(store);
    for (let i = 0; i < 6_000; i += 1_000)
      await store.addTasks({
        tasks: Array.from({ length: 1_000 }, (_, j) => ({ id: `t-${i + j}`, description: `board task ${i + j}` })),
      });
    // Another connection (a server) commits a change between every two steps of the copy.
    const server = new Database(file);
    connections.push(server);
    const touch = server.prepare('UPDATE tasks SET description = ? WHERE id = ?');
    let writes = 0;
    const result = await backupSqliteFile(file, tmp.file('busy.backup'), {
      onProgress: () => {
        if (writes < WRITES) touch.run(`changed ${writes}`, `t-${writes++ % 6_000}`);
      },
    });

    expect(writes).toBeLessThan(WRITES);
    expect(writes).toBeGreaterThan(1);
    expect(checkSqliteFile(result.file)).toMatchObject({ integrity: 'ok', tasks: 6_000 });
  });
});
