// Contract: the batch reset puts many failed/cancelled tasks back in one atomic step, skips (and
// names) the rest, and writes one task.reset event per task whose row change readers can follow.
import { describe, expect, it } from 'vitest';
import { rejects, type Harness } from './harness.js';

export function resetContract(h: Harness): void {
  describe('batch reset', () => {
    it('resets the failed and cancelled tasks asked for, skips the others with their status, in one step', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'f1', description: 'f1', maxAttempts: 1 },
          { id: 'f2', description: 'f2', maxAttempts: 1 },
          { id: 'dep', description: 'depends on f1', dependencies: ['f1'] },
          { id: 'c', description: 'cancelled' },
          { id: 'open', description: 'still available' },
        ],
      });
      for (const id of ['f1', 'f2']) {
        await store.claimTask({
          taskId: id,
          workerId: `w-${id}`,
          slot: (await store.claimSlot({ workerId: `w-${id}` })).slot.slot,
        });
        await store.failTask({ taskId: id, workerId: `w-${id}`, error: 'boom' });
      }
      await store.cancelTask({ taskId: 'c' });
      await store.cancelTask({ taskId: 'dep' });
      const before = (await store.stats()).lastSeq;

      const result = await store.resetTasks({ taskIds: ['f1', 'f2', 'c', 'dep', 'open', 'ghost', 'f1'] });
      expect(result.tasks.map((t) => [t.id, t.status, t.attempts, t.error])).toEqual([
        ['f1', 'available', 0, null],
        ['f2', 'available', 0, null],
        ['c', 'available', 0, null],
        // Its dependency is not done: back to blocked, as a single reset does.
        ['dep', 'blocked', 0, null],
      ]);
      expect(result.skipped).toEqual([
        { taskId: 'open', status: 'available' },
        { taskId: 'ghost', status: null },
      ]);
      const events = await store.events({ afterSeq: before });
      expect(events.map((e) => `${e.type}:${e.taskId}`)).toEqual([
        'task.reset:f1',
        'task.reset:f2',
        'task.reset:c',
        'task.reset:dep',
      ]);
      // One commit: a single reset of f2 now finds nothing to do.
      await rejects(store.resetTask({ taskId: 'f2' }), 'INVALID_TRANSITION');
      await rejects(store.resetTasks({ taskIds: [] }), 'VALIDATION_FAILED');
    });
  });
}
