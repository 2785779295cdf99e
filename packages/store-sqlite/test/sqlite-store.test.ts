// What only the SQLite store must do: persist across restarts, survive crashes, share a file between processes.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { allPages, DomainError, TRANSITIONS } from '@task-coordinator/core';
import { openSqliteStore, latestVersion } from '@task-coordinator/store-sqlite';
import { SQL } from '../src/queries.js';
import { finished, saysOnStderr, spawnFixture, tempDir } from './helpers.js';

const tmp = tempDir('tc-sqlite-');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
process.on('exit', () => tmp.remove());

async function open(
  name: string,
  options: Parameters<typeof openSqliteStore>[0] extends infer O ? Partial<O> : never = {},
) {
  const store = await openSqliteStore({ file: tmp.file(name), ...options });
  cleanups.push(() => store.close());
  return store;
}

describe('sqlite store', () => {
  it('keeps everything across a close and reopen: tasks, edges, slots, events, seq', async () => {
    const file = 'reopen.db';
    const first = await openSqliteStore({ file: tmp.file(file) });
    await first.addTasks({
      tasks: [
        { id: 'a', description: 'a', labels: ['x'] },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    });
    await first.claimNextTask({ workerId: 'w' });
    const tasks = (await first.listTasks()).tasks;
    const slots = await first.listSlots();
    const events = await first.events();
    await first.close();

    const second = await open(file);
    expect((await second.listTasks()).tasks).toEqual(tasks);
    expect(await second.listSlots()).toEqual(slots);
    expect(await second.events()).toEqual(events);
    expect((await second.completeTask({ taskId: 'a', workerId: 'w' })).unblocked).toEqual(['b']);
    const next = await second.events({ afterSeq: events.at(-1)!.seq });
    expect(next[0]!.seq).toBe(events.at(-1)!.seq + 1);
  });

  it('opens in WAL mode with durable commits and the schema at the latest migration', async () => {
    const store = await open('pragmas.db');
    await store.addTask({ id: 'a', description: 'a' });
    const db = new Database(tmp.file('pragmas.db'), { readonly: true });
    cleanups.push(() => void db.close());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
    expect(store.database.integrityCheck()).toBe('ok');
    // Dependencies live in their own table, not in a JSON column.
    const columns = (db.pragma('table_info(tasks)') as Array<{ name: string }>).map((c) => c.name);
    expect(columns).not.toContain('dependencies');
  });

  it('claim-next and retention read their indexes: no scan, no sort', async () => {
    await open('plan.db');
    const db = new Database(tmp.file('plan.db'), { readonly: true });
    cleanups.push(() => void db.close());
    const plan = (sql: string, ...args: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('\n');
    for (const [name, sql, args] of [
      ['nextAvailable', SQL.nextAvailable, ['default']],
      ['nextAvailableLabelled', SQL.nextAvailableLabelled, ['default', '["a"]']],
    ] as const) {
      // The statement forces the index (INDEXED BY), so naming it in the plan proves nothing. What
      // can fail: the forced index serves the ORDER BY (no sort step), and the planner left to
      // itself picks the same index, so the index fits the query rather than being imposed on it.
      expect(sql, name).toContain('INDEXED BY tasks_ready');
      expect(plan(sql, ...args), name).not.toContain('TEMP B-TREE');
      const free = plan(sql.replace('INDEXED BY tasks_ready', ''), ...args);
      expect(free, name).toContain('USING INDEX tasks_ready');
      expect(free, name).not.toContain('TEMP B-TREE');
    }
    expect(plan(SQL.expiredTasks, 0, 10)).toContain('tasks_held_by_lease');
    expect(plan(SQL.workerTasks, 'default', 'w')).toContain('tasks_held_by_worker');
    expect(plan(SQL.dependentsInStatus('blocked'), 'default', 'a')).toContain('task_dependents');
    // Retention walks the finished tasks in the rule's order (updated_at, then ord = rowid) without a
    // sort, and the index also fits the query when not forced: the rule's statuses imply its WHERE.
    const prunable = SQL.prunableTasks(TRANSITIONS.prune);
    expect(plan(prunable, 0, 10)).not.toContain('TEMP B-TREE');
    const unforced = plan(prunable.replace('INDEXED BY tasks_finished', ''), 0, 10);
    expect(unforced).toContain('USING INDEX tasks_finished');
    expect(unforced).not.toContain('TEMP B-TREE');
    expect(unforced).toContain('task_dependents');
  });

  it('refuses a file it cannot open with STORE_UNAVAILABLE and a one-line reason', async () => {
    const error = await openSqliteStore({ file: '/nonexistent-dir/deeper/tc.db' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('STORE_UNAVAILABLE');
    expect((error as DomainError).message).toContain('/nonexistent-dir/deeper/tc.db');
    expect((error as DomainError).message).not.toContain('\n');
  });

  it('refuses a file from a newer schema instead of misreading it', async () => {
    const file = tmp.file('newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${latestVersion() + 1}`);
    db.close();
    const error = (await openSqliteStore({ file }).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('newer');
  });

  it('commits commands issued together in one group, each still all-or-nothing', async () => {
    const store = await open('group.db');
    await store.addTask({ id: 'dup', description: 'x' });
    const before = { ...store.database.stats };
    const results = await Promise.allSettled([
      store.addTask({ id: 'g1', description: 'x' }),
      store.addTask({ id: 'dup', description: 'different' }),
      store.addTasks({
        tasks: [
          { id: 'g2', description: 'x' },
          { id: 'g3', description: 'x', dependencies: ['missing'] },
        ],
      }),
      store.addTask({ id: 'g4', description: 'x' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(store.database.stats.commits - before.commits).toBe(1);
    const ids = (await store.listTasks()).tasks.map((t) => t.id);
    expect(ids).toEqual(['dup', 'g1', 'g4']);
  });

  it('a write that fails inside a group spoils only its own command', async () => {
    const store = await open('poison.db');
    const db = new Database(tmp.file('poison.db'));
    db.exec(
      `CREATE TRIGGER poison BEFORE INSERT ON tasks WHEN NEW.description = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned write'); END`,
    );
    db.close();
    const before = { ...store.database.stats };
    const results = await Promise.allSettled([
      store.addTask({ id: 'ok-1', description: 'fine' }),
      store.addTask({ id: 'bad', description: 'poison' }),
      store.addTask({ id: 'ok-2', description: 'fine' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as DomainError).code).toBe('INTERNAL');
    expect((await store.listTasks()).tasks.map((t) => t.id)).toEqual(['ok-1', 'ok-2']);
    expect((await store.events()).map((e) => e.taskId)).toEqual(['ok-1', 'ok-2']);
    expect(store.database.stats.commits - before.commits).toBe(2);
  });

  it('two processes on one file: 1,000 tasks, each claimed and done exactly once', async () => {
    // Holds whatever the scheduling: a process (or this one) that got no task is not a defect; what
    // must hold is that no task is claimed twice, none is lost, and each is completed by its claimant.
    const file = tmp.file('shared.db');
    const store = await open('shared.db', { busyTimeoutMs: 60_000, config: { slots: 64 } });
    await store.addTasks({
      tasks: Array.from({ length: 1000 }, (_, i) => ({ id: `shared-${i}`, description: `task ${i}` })),
    });
    const children = [
      spawnFixture('claim-worker.ts', [file, '8', 'proc-a']),
      spawnFixture('claim-worker.ts', [file, '8', 'proc-b']),
    ];
    const outputs = Promise.all(children.map(finished));
    await Promise.all(children.map((child) => saysOnStderr(child, 'ready')));
    for (const child of children) child.stdin?.write('go\n');
    const claimant = new Map<string, string[]>();
    const note = (id: string, who: string) => claimant.set(id, [...(claimant.get(id) ?? []), who]);
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const workerId = `local-${w}`;
        for (let guard = 0; guard < 5000; guard++) {
          const got = await store.claimNextTask({ workerId });
          if (!got) return;
          note(got.task.id, workerId);
          await store.completeTask({ taskId: got.task.id, workerId, output: workerId });
        }
      }),
    );
    for (const out of await outputs) for (const [id, who] of JSON.parse(out) as Array<[string, string]>) note(id, who);
    expect(claimant.size).toBe(1000);
    expect([...claimant.values()].filter((who) => who.length !== 1)).toEqual([]);
    const done = await store.listTasks({ status: ['done'], limit: 1000 });
    expect(done.tasks).toHaveLength(1000);
    // Each completion was recorded by the worker that claimed the task.
    expect(done.tasks.filter((t) => claimant.get(t.id)?.[0] !== t.output)).toEqual([]);
    expect(store.database.integrityCheck()).toBe('ok');
  }, 300_000);

  it('a process killed mid-write loses nothing it acknowledged', async () => {
    const file = tmp.file('crash.db');
    const child = spawnFixture('ack-writer.ts', [file]);
    const acked: string[] = [];
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 400 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    expect(acked.length).toBeGreaterThanOrEqual(400);
    const store = await open('crash.db');
    expect(store.database.integrityCheck()).toBe('ok');
    const stored = new Set((await allPages((after) => store.listTasks({ limit: 1000, ...after }))).map((t) => t.id));
    const lost = acked.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
  }, 60_000);
});
