// Contract: retention passes remove old events and finished tasks, in bounded batches, and never break the board.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { rejects, type Harness } from './harness.js';

/** The ids `passes` retention passes of one task each remove, in the order they go. */
async function removalOrder(store: Store, cutoff: number, passes: number): Promise<string[]> {
  const removed: string[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const before = (await store.listTasks({ limit: 100 })).tasks.map((t) => t.id);
    expect((await store.prune({ tasksBefore: cutoff, limit: 1 })).tasks).toBe(1);
    const after = new Set((await store.listTasks({ limit: 100 })).tasks.map((t) => t.id));
    removed.push(...before.filter((id) => !after.has(id)));
  }
  return removed;
}

export function retentionContract(h: Harness): void {
  describe('retention', () => {
    it('removes events older than the cutoff, oldest first, at most limit per pass, never the newest', async () => {
      const { store, clock } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
          { id: 'c', description: 'c' },
        ],
      });
      const cutoff = clock.advance(1000);
      await store.claimNextTask({ workerId: 'w' });
      const before = await store.events({ limit: 1000 });
      expect(await store.prune({ eventsBefore: cutoff, limit: 2 })).toEqual({ events: 2, tasks: 0 });
      expect(await store.prune({ eventsBefore: cutoff, limit: 2 })).toEqual({ events: 1, tasks: 0 });
      expect(await store.prune({ eventsBefore: cutoff })).toEqual({ events: 0, tasks: 0 });
      expect(await store.events({ limit: 1000 })).toEqual(before.slice(3));
      expect(await store.taskHistory({ taskId: 'b' })).toEqual([]);
      expect((await store.taskHistory({ taskId: 'a' })).map((e) => e.type)).toEqual(['task.claimed']);

      // Everything old: the newest event stays, and seqs go on after it.
      clock.advance(1000);
      const last = (await store.stats()).lastSeq;
      expect((await store.prune({ eventsBefore: clock.now() + 1 })).events).toBe(before.length - 3 - 1);
      expect((await store.events({ limit: 1000 })).map((e) => e.seq)).toEqual([last]);
      expect((await store.stats()).lastSeq).toBe(last);
      await store.completeTask({ taskId: 'a', workerId: 'w' });
      expect((await store.events({ afterSeq: last })).map((e) => e.seq)).toEqual([last + 1]);
    });

    it('removes finished tasks last changed before the cutoff, leaf first, and keeps what anything remaining depends on', async () => {
      const { store, clock } = await h.open({ slots: 1 });
      await store.addTasks({
        tasks: [
          { id: 'root', description: 'r' },
          { id: 'mid', description: 'm', dependencies: ['root'] },
          { id: 'leaf', description: 'l', dependencies: ['mid'] },
          { id: 'lone', description: 'x' },
          { id: 'open', description: 'o', dependencies: ['lone'] },
          { id: 'dropped', description: 'd' },
        ],
      });
      for (const id of ['root', 'mid', 'leaf', 'lone']) {
        await store.claimTask({
          taskId: id,
          workerId: 'w',
          slot: (await store.claimSlot({ workerId: 'w' })).slot.slot,
        });
        await store.completeTask({ taskId: id, workerId: 'w' });
      }
      await store.cancelTask({ taskId: 'dropped' });
      const cutoff = clock.advance(1000);
      await store.addTask({ id: 'late', description: 'finished after the cutoff' });
      expect((await store.claimNextTask({ workerId: 'w' }))?.task.id).toBe('open');

      const ids = async () => (await store.listTasks({ limit: 1000 })).tasks.map((t) => t.id).sort();
      // open (claimed) depends on lone: lone stays. The chain goes leaf first.
      expect((await store.prune({ tasksBefore: cutoff })).tasks).toBe(2); // leaf, dropped
      expect(await ids()).toEqual(['late', 'lone', 'mid', 'open', 'root']);
      expect((await store.prune({ tasksBefore: cutoff })).tasks).toBe(1); // mid
      expect((await store.prune({ tasksBefore: cutoff })).tasks).toBe(1); // root
      expect((await store.prune({ tasksBefore: cutoff })).tasks).toBe(0);
      expect(await ids()).toEqual(['late', 'lone', 'open']);
      expect((await store.getTask({ taskId: 'lone' })).dependents).toEqual(['open']);
      const stats = await store.stats();
      expect(stats.total).toBe(3);

      // A removed id is unknown now, as any id that does not exist.
      await rejects(
        store.addTask({ id: 'after-root', description: 'x', dependencies: ['root'] }),
        'UNKNOWN_DEPENDENCY',
      );
      await rejects(store.getTask({ taskId: 'root' }), 'TASK_NOT_FOUND');
      // The same id can be used again.
      await store.addTask({ id: 'root', description: 'a new root' });
      expect((await store.getTask({ taskId: 'root' })).status).toBe('available');
    });

    it('tasks finished at the same instant go in creation order, whatever order they finished in', async () => {
      const { store, clock } = await h.open();
      const ids = ['first', 'second', 'third', 'fourth', 'fifth'];
      await store.addTasks({ tasks: ids.map((id) => ({ id, description: id })) });
      // Finished last-created first, all at one instant: only the creation order tells them apart.
      for (const id of [...ids].reverse()) await store.cancelTask({ taskId: id });
      const cutoff = clock.advance(1000);
      expect(await removalOrder(store, cutoff, ids.length)).toEqual(ids);
    });

    it('the task that changed longest ago goes first, whatever the creation order', async () => {
      const { store, clock } = await h.open();
      const ids = ['first', 'second', 'third'];
      await store.addTasks({ tasks: ids.map((id) => ({ id, description: id })) });
      // Finished newest-created first, each at its own instant: the change time decides, not creation.
      for (const id of [...ids].reverse()) {
        clock.advance(10);
        await store.cancelTask({ taskId: id });
      }
      const cutoff = clock.advance(1000);
      expect(await removalOrder(store, cutoff, ids.length)).toEqual(['third', 'second', 'first']);
    });

    it('only done and cancelled tasks go; failed, review and held ones stay however old', async () => {
      const { store, clock } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'held', description: 'h' },
          { id: 'failed', description: 'f' },
          { id: 'gated', description: 'g', review: true },
          { id: 'open', description: 'o' },
          { id: 'dropped', description: 'd' },
        ],
      });
      await store.claimTask({
        taskId: 'failed',
        workerId: 'w',
        slot: (await store.claimSlot({ workerId: 'w' })).slot.slot,
      });
      await store.failTask({ taskId: 'failed', workerId: 'w', releaseSlot: true });
      await store.claimTask({
        taskId: 'gated',
        workerId: 'w',
        slot: (await store.claimSlot({ workerId: 'w' })).slot.slot,
      });
      await store.completeTask({ taskId: 'gated', workerId: 'w', releaseSlot: true });
      await store.claimTask({
        taskId: 'held',
        workerId: 'w',
        slot: (await store.claimSlot({ workerId: 'w' })).slot.slot,
      });
      await store.cancelTask({ taskId: 'dropped' });
      const cutoff = clock.advance(1000);
      expect((await store.prune({ tasksBefore: cutoff })).tasks).toBe(1);
      const left = (await store.listTasks({ limit: 100 })).tasks.map((t) => `${t.id}:${t.status}`).sort();
      expect(left).toEqual(['failed:failed', 'gated:review', 'held:claimed', 'open:available']);
    });

    it('bad input is VALIDATION_FAILED and removes nothing', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'a', description: 'a' });
      await rejects(store.prune({ eventsBefore: 'soon' }), 'VALIDATION_FAILED');
      await rejects(store.prune({ limit: 0 }), 'VALIDATION_FAILED');
      expect((await store.events()).length).toBe(1);
    });
  });
}
