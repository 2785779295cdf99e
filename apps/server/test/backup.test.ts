// backup and restore: an online backup under 32 busy workers holds every acknowledged task; restore refuses a live database.
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allPages } from '@task-coordinator/core';
import { checkSqliteFile, openSqliteStore } from '@task-coordinator/store-sqlite';
import { DEFAULTS, startServer } from '../src/index.js';
import { client, runCli, startTestServer, tempDb } from './helpers.js';

describe('backup and restore', () => {
  it('a backup taken under 32-worker load passes integrity checks, holds every task acknowledged before it started, and restores', async () => {
    const db = tempDb();
    const server = await startTestServer({ db, slots: 32 });
    const acked: string[] = [];
    let stop = false;
    let completed = 0;
    const workers = Array.from({ length: 32 }, async (_, w) => {
      const http = client(server.apiUrl);
      for (let n = 0; !stop && n < 10_000; n++) {
        const id = `w${w}-${n}`;
        const added = await http.post('/api/v1/tasks', { id, description: `task ${n} of worker ${w}` });
        if (added.status === 201) acked.push(id);
        const { body } = await http.post('/api/v1/claim-next', { workerId: `worker-${w}` });
        if (
          body?.task &&
          (await http.post(`/api/v1/tasks/${body.task.id}/complete`, { workerId: `worker-${w}` })).status === 200
        )
          completed++;
      }
    });
    while (acked.length < 500) await new Promise((resolve) => setTimeout(resolve, 20));

    const ackedBefore = [...acked];
    const file = `${tempDb()}.backup`;
    const backup = await runCli(['backup', file, '--db', db]);
    const ackedDuring = acked.length - ackedBefore.length;
    stop = true;
    await Promise.all(workers);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .* integrity ok, \d+ ms\n$/);
    // The load really ran while the backup was taken.
    expect(ackedDuring).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(0);

    const check = checkSqliteFile(file);
    expect(check.integrity).toBe('ok');
    const copy = await openSqliteStore({ file });
    try {
      const ids = new Set((await allPages((after) => copy.listTasks({ limit: 1000, ...after }), 100)).map((t) => t.id));
      expect(ackedBefore.filter((id) => !ids.has(id))).toEqual([]);
      expect(ids.size).toBe(check.tasks);
    } finally {
      await copy.close();
    }

    // A second backup to the same file is refused; the first stays whole.
    const again = await runCli(['backup', file, '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refusing to overwrite');

    // Restore refuses while the server has the database open, even idle, and changes nothing.
    const tasksLive = (await server.store.stats()).total;
    const refused = await runCli(['restore', file, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('STORE_BUSY');
    expect(refused.stderr).toContain('is in use');
    expect((await server.store.stats()).total).toBe(tasksLive);

    await server.close();
    const restored = await runCli(['restore', file, '--db', db]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`restored ${file} to ${db}: ${check.tasks} tasks`);
    const previous = /kept as (\S+)\n/.exec(restored.stdout)?.[1] as string;
    expect(existsSync(previous)).toBe(true);
    expect(checkSqliteFile(previous).tasks).toBe(tasksLive);

    const back = await startServer({ ...DEFAULTS, port: 0, dashboardPort: null, db }, { log: () => undefined });
    try {
      expect((await back.store.stats()).total).toBe(check.tasks);
      expect((await client(back.apiUrl).get(`/api/v1/tasks/${ackedBefore[0]}`)).status).toBe(200);
    } finally {
      await back.close();
    }
  }, 120_000);

  it('restore checks the backup first: a file that is not a sound database changes nothing', async () => {
    const db = tempDb();
    const server = await startTestServer({ db });
    await server.http.post('/api/v1/tasks', { id: 'keep', description: 'keep me' });
    await server.close();
    const junk = `${tempDb()}.junk`;
    writeFileSync(junk, 'not a database at all, just text'.repeat(200));
    const result = await runCli(['restore', junk, '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/STORE_UNAVAILABLE|VALIDATION_FAILED/);
    expect(checkSqliteFile(db).tasks).toBe(1);
    const missing = await runCli(['backup', `${tempDb()}.b`, '--db', `${db}.nope`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot open');
  }, 60_000);
});
