// export --format jsonl / import: a board with its history moves between SQLite and PostgreSQL unchanged.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '@task-coordinator/core';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { runCli, startTestServer, tempDb } from './helpers.js';

const url = process.env.TC_TEST_DATABASE_URL ?? '';
const schemas: string[] = [];
afterAll(async () => {
  if (!url || !schemas.length) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

/** A SQLite board with two projects, every kind of status, held slots, a file reservation and a dependency graph. */
async function sqliteBoard(): Promise<string> {
  const db = tempDb();
  const { http, close } = await startTestServer({ db });
  await http.post('/api/v1/tasks', {
    tasks: [
      { id: 'schema', description: 'Design the schema', priority: 5, labels: ['db'] },
      { id: 'api', description: 'Write the API', dependencies: ['schema'], deadline: '2030-01-01T00:00:00Z' },
      { id: 'ui', description: 'Build the UI, "quoted", ünïcode', dependencies: ['api'] },
      { id: 'flaky', description: 'Fails', maxAttempts: 1 },
      { id: 'dropped', description: 'Cancelled' },
      { id: 'held', description: 'Held at export time' },
    ],
  });
  await http.post('/api/v1/tasks', {
    project: 'ops',
    tasks: [{ id: 'schema', description: 'Same id, other project' }],
  });
  await http.post('/api/v1/claim-next', { workerId: 'w1' });
  await http.post('/api/v1/tasks/schema/complete', { workerId: 'w1', output: 'schema.sql' });
  await http.post('/api/v1/tasks/flaky/claim', { workerId: 'w1', slot: 1 });
  await http.post('/api/v1/tasks/flaky/fail', { workerId: 'w1', error: 'broken' });
  await http.post('/api/v1/tasks/dropped/cancel', { reason: 'not needed' });
  const held = await http.post('/api/v1/claim-next', { workerId: 'w2', labels: [] });
  await http.post(`/api/v1/tasks/${held.body.task.id}/reservations`, { workerId: 'w2', patterns: ['src/ui/**'] });
  await http.post('/api/v1/claim-next', { workerId: 'w3', project: 'ops' });
  await close();
  return db;
}

async function snapshotOf(store: Store) {
  const projects = (await store.overview()).map((p) => p.project);
  const out: Record<string, unknown> = {
    projects,
    events: await store.events({ limit: 1000 }),
    lastSeq: (await store.stats()).lastSeq,
  };
  for (const project of projects) {
    out[`tasks:${project}`] = (await store.listTasks({ project, limit: 1000 })).tasks;
    out[`slots:${project}`] = await store.listSlots({ project });
    out[`reservations:${project}`] = (await store.listReservations({ project })).reservations;
    out[`history:${project}:schema`] = await store.taskHistory({ project, taskId: 'schema' });
  }
  return out;
}

describe('export --format jsonl / import', () => {
  it('SQLite → JSON Lines → a new SQLite file: the same board and history; bad or non-empty imports change nothing', async () => {
    const db = await sqliteBoard();
    const file = `${tempDb()}.jsonl`;
    const exported = await runCli(['export', '--format', 'jsonl', file, '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string });
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'task-coordinator-board', version: 1, from: 'sqlite' });
    expect(lines.filter((l) => l.kind === 'task')).toHaveLength(7);

    const target = tempDb();
    const imported = await runCli(['import', file, '--db', target]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(
      /^imported 7 tasks, 3 held slots, 1 file reservations and \d+ events into the sqlite store/,
    );
    const [a, b] = [await openSqliteStore({ file: db }), await openSqliteStore({ file: target })];
    try {
      expect(await snapshotOf(b)).toEqual(await snapshotOf(a));
    } finally {
      await a.close();
      await b.close();
    }

    // Into a board that is not empty: refused.
    const again = await runCli(['import', file, '--db', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
    // A broken line: refused before anything is written.
    const broken = `${tempDb()}.jsonl`;
    const text = readFileSync(file, 'utf8').split('\n');
    text.splice(5, 0, '{"kind":"task","task":{"id":"x"}}');
    writeFileSync(broken, text.join('\n'));
    const fresh = tempDb();
    const rejected = await runCli(['import', broken, '--db', fresh]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('record 6');
    const empty = await openSqliteStore({ file: fresh });
    try {
      expect(await empty.overview()).toEqual([]);
      expect((await empty.stats()).lastSeq).toBe(0);
    } finally {
      await empty.close();
    }
  }, 60_000);

  it.skipIf(!url)(
    'SQLite → JSON Lines → PostgreSQL: the same board and history, and the board goes on there',
    async () => {
      const db = await sqliteBoard();
      const file = `${tempDb()}.jsonl`;
      expect((await runCli(['export', file, '--db', db])).code).toBe(0);
      const schema = `tc_transfer_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      const imported = await runCli(['import', file, '--database-url', url, '--database-schema', schema]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('into the postgres store');

      const a = await openSqliteStore({ file: db });
      const b = await openPostgresStore({ connectionString: url, schema });
      try {
        expect(await snapshotOf(b)).toEqual(await snapshotOf(a));
        const lastSeq = (await b.stats()).lastSeq;
        const held = (await b.listTasks({ status: ['claimed'] })).tasks[0]!;
        await b.completeTask({ taskId: held.id, workerId: held.worker! });
        expect((await b.events({ afterSeq: lastSeq })).map((e) => e.seq)[0]).toBe(lastSeq + 1);
      } finally {
        await a.close();
        await b.close();
      }

      // And back: PostgreSQL → JSON Lines → SQLite holds the same again.
      const back = `${tempDb()}.jsonl`;
      expect((await runCli(['export', back, '--database-url', url, '--database-schema', schema])).code).toBe(0);
      const target = tempDb();
      expect((await runCli(['import', back, '--db', target])).code).toBe(0);
      const [p, s] = [
        await openPostgresStore({ connectionString: url, schema }),
        await openSqliteStore({ file: target }),
      ];
      try {
        expect(await snapshotOf(s)).toEqual(await snapshotOf(p));
      } finally {
        await p.close();
        await s.close();
      }
    },
    60_000,
  );
});
