// Races only a concurrent store has: fan-in completes, one worker's retried calls, locks skipped by claim-next.
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

const open = () => openPostgresStore({ connectionString: DATABASE_URL, schema: freshSchema('races'), poolSize: 40, config: { slots: 50 } });

describe.skipIf(!HAS_PG)('postgres races', () => {
  it('ten dependencies completed at once: every complete succeeds and the join becomes available', async () => {
    const store = await open();
    try {
      const deps = Array.from({ length: 10 }, (_, i) => `dep-${i}`);
      await store.addTasks({ tasks: [...deps.map((id) => ({ id, description: id })), { id: 'join', description: 'after all', dependencies: deps }] });
      const claims = await Promise.all(deps.map((_, i) => store.claimNextTask({ workerId: `w${i}` })));
      const results = await Promise.allSettled(claims.map((c, i) => store.completeTask({ taskId: c!.task.id, workerId: `w${i}` })));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect((await store.getTask({ taskId: 'join' })).status).toBe('available');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('one worker calling claim-next twice at once holds one slot and one task', async () => {
    const store = await open();
    try {
      await store.addTasks({ tasks: [{ id: 't1', description: 'x' }, { id: 't2', description: 'x' }] });
      const [a, b] = await Promise.all([store.claimNextTask({ workerId: 'twin' }), store.claimNextTask({ workerId: 'twin' })]);
      expect(a?.task.id).toBe(b?.task.id);
      expect((await store.listSlots()).filter((s) => s.worker === 'twin')).toHaveLength(1);
      expect((await store.getTask({ taskId: a?.task.id === 't1' ? 't2' : 't1' })).status).toBe('available');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a heartbeat landing with the worker\'s own complete does not deadlock', async () => {
    const store = await open();
    try {
      await store.addTasks({ tasks: Array.from({ length: 30 }, (_, i) => ({ id: `h${i}`, description: 'x' })) });
      for (let i = 0; i < 30; i++) {
        const claim = await store.claimNextTask({ workerId: 'busy' });
        await Promise.all([store.completeTask({ taskId: claim!.task.id, workerId: 'busy' }), store.heartbeat({ workerId: 'busy' })]);
      }
      expect(store.database.stats.retries).toBe(0);
      expect((await store.stats()).tasks.done).toBe(30);
    } finally {
      await store.close();
    }
  }, 60_000);
});
