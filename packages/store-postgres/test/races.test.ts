// Races only a concurrent store has: fan-in completes, one worker's retried calls, locks skipped by claim-next.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

const open = () =>
  openPostgresStore({
    connectionString: DATABASE_URL,
    schema: freshSchema('races'),
    poolSize: 40,
    config: { slots: 50 },
  });

describe.skipIf(!HAS_PG)('postgres races', () => {
  it('ten dependencies completed at once: every complete succeeds and the join becomes available', async () => {
    const store = await open();
    try {
      const deps = Array.from({ length: 10 }, (_, i) => `dep-${i}`);
      await store.addTasks({
        tasks: [
          ...deps.map((id) => ({ id, description: id })),
          { id: 'join', description: 'after all', dependencies: deps },
        ],
      });
      const claims = await Promise.all(deps.map((_, i) => store.claimNextTask({ workerId: `w${i}` })));
      const results = await Promise.allSettled(
        claims.map((c, i) => store.completeTask({ taskId: c!.task.id, workerId: `w${i}` })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect((await store.getTask({ taskId: 'join' })).status).toBe('available');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('one worker calling claim-next twice at once holds one slot and one task', async () => {
    const store = await open();
    try {
      await store.addTasks({
        tasks: [
          { id: 't1', description: 'x' },
          { id: 't2', description: 'x' },
        ],
      });
      const [a, b] = await Promise.all([
        store.claimNextTask({ workerId: 'twin' }),
        store.claimNextTask({ workerId: 'twin' }),
      ]);
      expect(a?.task.id).toBe(b?.task.id);
      expect((await store.listSlots()).filter((s) => s.worker === 'twin')).toHaveLength(1);
      expect((await store.getTask({ taskId: a?.task.id === 't1' ? 't2' : 't1' })).status).toBe('available');
    } finally {
      await store.close();
    }
  }, 60_000);

  it("a heartbeat landing with the worker's own complete does not deadlock", async () => {
    const store = await open();
    try {
      await store.addTasks({ tasks: Array.from({ length: 30 }, (_, i) => ({ id: `h${i}`, description: 'x' })) });
      for (let i = 0; i < 30; i++) {
        const claim = await store.claimNextTask({ workerId: 'busy' });
        await Promise.all([
          store.completeTask({ taskId: claim!.task.id, workerId: 'busy' }),
          store.heartbeat({ workerId: 'busy' }),
        ]);
      }
      expect(store.database.stats.retries).toBe(0);
      expect((await store.stats()).tasks.done).toBe(30);
    } finally {
      await store.close();
    }
  }, 60_000);
  it('completing a task does not wait on a dependent the rule leaves alone (a cancelled one, locked by another transaction)', async () => {
    const store = await open();
    const other = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${store.database.schema}` });
    try {
      await store.addTasks({
        tasks: [
          { id: 'x', description: 'x' },
          { id: 'b', description: 'after x', dependencies: ['x'] },
          { id: 'c', description: 'after x', dependencies: ['x'] },
        ],
      });
      await store.cancelTask({ taskId: 'c' });
      await store.claimNextTask({ workerId: 'w' });
      // Another transaction holds the cancelled dependent (an edit, retention); completing x
      // unblocks only blocked dependents, so it must not queue behind that lock.
      await other.connect();
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM tasks WHERE id = 'c' FOR UPDATE`);
      const completing = store.completeTask({ taskId: 'x', workerId: 'w' });
      const outcome = await Promise.race([
        completing.then(() => 'completed'),
        sleep(3_000).then(() => 'waiting on the lock'),
      ]);
      await other.query('ROLLBACK');
      await completing;
      expect(outcome).toBe('completed');
      expect((await store.getTask({ taskId: 'b' })).status).toBe('available');
      expect((await store.getTask({ taskId: 'c' })).status).toBe('cancelled');
    } finally {
      await other.end().catch(() => undefined);
      await store.close();
    }
  }, 60_000);
  it("another server process's release is seen by this one's next claim-next (holdings versions live in the database)", async () => {
    const schema = freshSchema('replicas');
    const a = await openPostgresStore({ connectionString: DATABASE_URL, schema, config: { slots: 10 } });
    const b = await openPostgresStore({ connectionString: DATABASE_URL, schema, config: { slots: 10 } });
    try {
      await a.addTask({ id: 'hold', description: 'hold', priority: 10 });
      await a.claimNextTask({ workerId: 'w1' });
      await a.reserveFiles({ taskId: 'hold', workerId: 'w1', patterns: ['lib/**'] });
      await a.addTasks({
        tasks: [
          { id: 'lib', description: 'lib', priority: 5, files: ['lib/a.ts'] },
          ...Array.from({ length: 5 }, (_, i) => ({ id: `f${i}`, description: `f${i}`, files: [`src/f${i}.ts`] })),
        ],
      });
      const next = async () => {
        const claim = await b.claimNextTask({ workerId: 'w2' });
        if (claim) await b.completeTask({ taskId: claim.task.id, workerId: 'w2' });
        return claim?.task.id ?? null;
      };
      // b passes over 'lib' claim after claim (and may remember it).
      expect(await next()).toBe('f0');
      expect(await next()).toBe('f1');
      expect(await next()).toBe('f2');
      await a.releaseFiles({ taskId: 'hold', workerId: 'w1' });
      expect(await next()).toBe('lib');
      expect(await next()).toBe('f3');
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
});
