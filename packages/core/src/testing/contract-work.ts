// Contract: the holder's transitions, unblocking, leases, fencing, reset/cancel/clean-all.
import { describe, expect, it } from 'vitest';
import { rejects, snapshot, TTL, worker, type Harness } from './harness.js';

export function workContract(h: Harness): void {
  describe('start, complete, fail, release', () => {
    it('start: claimed → working; saying it again is harmless', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      clock.advance(1000);
      const { task } = await store.startTask({ taskId: 't', workerId: 'w' });
      expect(task).toMatchObject({ status: 'working', startedAt: clock.now(), leaseExpiresAt: clock.now() + TTL });
      const events = (await store.events()).length;
      expect((await store.startTask({ taskId: 't', workerId: 'w' })).task.status).toBe('working');
      expect((await store.events()).length).toBe(events);
    });

    it('complete: done with output; the worker keeps its slot, now empty', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const claim = await store.claimNextTask({ workerId: 'w' });
      await store.startTask({ taskId: 't', workerId: 'w' });
      const { task, unblocked } = await store.completeTask({ taskId: 't', workerId: 'w', output: 'result' });
      expect(unblocked).toEqual([]);
      expect(task).toMatchObject({
        status: 'done',
        output: 'result',
        worker: 'w',
        slot: null,
        leaseExpiresAt: null,
        completedAt: clock.now(),
      });
      expect((await store.listSlots())[(claim?.slot ?? 0) - 1]).toMatchObject({
        free: false,
        worker: 'w',
        taskId: null,
      });
    });

    it('complete unblocks a chain A → B → C one step at a time', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'A', description: 'a' },
          { id: 'B', description: 'b', dependencies: ['A'] },
          { id: 'C', description: 'c', dependencies: ['B'] },
        ],
      });
      const status = async () =>
        Promise.all(['A', 'B', 'C'].map(async (id) => (await store.getTask({ taskId: id })).status));
      await store.claimNextTask({ workerId: 'w' });
      expect((await store.completeTask({ taskId: 'A', workerId: 'w' })).unblocked).toEqual(['B']);
      expect(await status()).toEqual(['done', 'available', 'blocked']);
      expect((await store.claimNextTask({ workerId: 'w' }))?.task.id).toBe('B');
      expect((await store.completeTask({ taskId: 'B', workerId: 'w' })).unblocked).toEqual(['C']);
      expect(await status()).toEqual(['done', 'done', 'available']);
    });

    it('a diamond joins only when both branches are done', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'top', description: 'x' },
          { id: 'left', description: 'x', dependencies: ['top'] },
          { id: 'right', description: 'x', dependencies: ['top'] },
          { id: 'join', description: 'x', dependencies: ['left', 'right'] },
        ],
      });
      await store.claimNextTask({ workerId: 'a' });
      expect((await store.completeTask({ taskId: 'top', workerId: 'a' })).unblocked.sort()).toEqual(['left', 'right']);
      await store.claimTask({ taskId: 'left', workerId: 'a', slot: 1 });
      const b = await worker(store, 'b');
      await store.claimTask({ taskId: 'right', ...b });
      expect((await store.completeTask({ taskId: 'left', workerId: 'a' })).unblocked).toEqual([]);
      expect((await store.getTask({ taskId: 'join' })).status).toBe('blocked');
      expect((await store.completeTask({ taskId: 'right', workerId: 'b' })).unblocked).toEqual(['join']);
      expect((await store.getTask({ taskId: 'join' })).status).toBe('available');
    });

    it('a completion retried by its worker succeeds again without a second event', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      const done = await store.completeTask({ taskId: 't', workerId: 'w', output: 'o' });
      const events = (await store.events()).length;
      expect((await store.completeTask({ taskId: 't', workerId: 'w', output: 'o' })).task).toEqual(done.task);
      expect((await store.events()).length).toBe(events);
    });

    it('a repeated complete or fail with other content is INVALID_TRANSITION showing what is stored, and changes nothing', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'c', description: 'c' },
          { id: 'f', description: 'f' },
        ],
      });
      await store.claimTask({ taskId: 'c', ...(await worker(store, 'w')) });
      await store.completeTask({ taskId: 'c', workerId: 'w', output: 'first' });
      const before = await snapshot(store);
      const differs = await rejects(
        store.completeTask({ taskId: 'c', workerId: 'w', output: 'second' }),
        'INVALID_TRANSITION',
      );
      expect(differs.details).toEqual({ taskId: 'c', status: 'done', stored: { output: 'first' } });
      expect(await snapshot(store)).toEqual(before);
      // Leaving the output out is no other content: the retry answers the stored task.
      expect((await store.completeTask({ taskId: 'c', workerId: 'w' })).task.output).toBe('first');
      await store.claimNextTask({ workerId: 'w' });
      await store.failTask({ taskId: 'f', workerId: 'w', error: 'broke' });
      expect((await store.failTask({ taskId: 'f', workerId: 'w', error: 'broke' })).task.status).toBe('failed');
      const failDiffers = await rejects(
        store.failTask({ taskId: 'f', workerId: 'w', error: 'other' }),
        'INVALID_TRANSITION',
      );
      expect(failDiffers.details).toEqual({ taskId: 'f', status: 'failed', stored: { error: 'broke' } });
    });

    it('only the holder may act: anyone else gets LEASE_LOST and nothing changes', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'holder' });
      const before = await snapshot(store);
      await rejects(store.startTask({ taskId: 't', workerId: 'other' }), 'LEASE_LOST');
      await rejects(store.completeTask({ taskId: 't', workerId: 'other' }), 'LEASE_LOST');
      await rejects(store.failTask({ taskId: 't', workerId: 'other' }), 'LEASE_LOST');
      await rejects(store.releaseTask({ taskId: 't', workerId: 'other' }), 'LEASE_LOST');
      await rejects(store.completeTask({ taskId: 'missing', workerId: 'holder' }), 'TASK_NOT_FOUND');
      expect(await snapshot(store)).toEqual(before);
    });

    it('fail without retry: failed with the error, one attempt counted', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      const { task } = await store.failTask({ taskId: 't', workerId: 'w', error: 'boom' });
      expect(task).toMatchObject({ status: 'failed', error: 'boom', attempts: 1, slot: null });
      expect((await store.listSlots())[0]).toMatchObject({ worker: 'w', taskId: null });
    });

    it('fail with retry: back in the queue until attempts run out, then failed', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't', maxAttempts: 2 });
      await store.claimNextTask({ workerId: 'w' });
      const first = await store.failTask({ taskId: 't', workerId: 'w', error: 'flaky', retry: true });
      expect(first.task).toMatchObject({ status: 'available', attempts: 1, worker: null, error: 'flaky' });
      await store.claimNextTask({ workerId: 'w' });
      const second = await store.failTask({ taskId: 't', workerId: 'w', error: 'flaky again', retry: true });
      expect(second.task).toMatchObject({ status: 'failed', attempts: 2, error: 'flaky again' });
      const history = await store.taskHistory({ taskId: 't' });
      expect(history.map((e) => e.type)).toEqual([
        'task.added',
        'task.claimed',
        'task.retrying',
        'task.claimed',
        'task.failed',
      ]);
    });

    it('release: back to available without counting an attempt', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      const { task } = await store.releaseTask({ taskId: 't', workerId: 'w', reason: 'not my kind of task' });
      expect(task).toMatchObject({ status: 'available', attempts: 0, worker: null, slot: null, leaseExpiresAt: null });
      expect((await store.claimNextTask({ workerId: 'other' }))?.task.id).toBe('t');
    });
  });

  describe('leases and fencing', () => {
    it('a heartbeat renews every lease of the worker', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      clock.advance(TTL - 1000);
      const beat = await store.heartbeat({ workerId: 'w' });
      expect(beat).toEqual({ workerId: 'w', slots: [1], tasks: ['t'], leaseExpiresAt: clock.now() + TTL });
      clock.advance(TTL - 1000);
      expect(await store.expireLeases()).toEqual({ requeued: [], failed: [], slots: [] });
      expect((await store.getTask({ taskId: 't' })).status).toBe('claimed');
      expect(await store.heartbeat({ workerId: 'nobody' })).toEqual({
        workerId: 'nobody',
        slots: [],
        tasks: [],
        leaseExpiresAt: null,
      });
    });

    it('a worker whose task was dead-lettered by expiry gets LEASE_LOST for its late fail or complete', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 'once', description: 'x', maxAttempts: 1 });
      await store.claimNextTask({ workerId: 'late' });
      clock.advance(TTL);
      await store.expireLeases();
      expect(await store.getTask({ taskId: 'once' })).toMatchObject({ status: 'failed', worker: null });
      await rejects(store.failTask({ taskId: 'once', workerId: 'late', retry: true }), 'LEASE_LOST');
      await rejects(store.completeTask({ taskId: 'once', workerId: 'late' }), 'LEASE_LOST');
    });

    it('a silent worker loses its claim and slot after one TTL; the attempt counts and history says why', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      clock.advance(TTL - 1);
      expect((await store.expireLeases()).requeued).toEqual([]);
      clock.advance(1);
      expect(await store.expireLeases()).toEqual({
        requeued: ['t'],
        failed: [],
        slots: [{ project: 'default', slot: 1 }],
      });
      expect(await store.getTask({ taskId: 't' })).toMatchObject({
        status: 'available',
        attempts: 1,
        worker: null,
        slot: null,
      });
      expect((await store.listSlots())[0]?.free).toBe(true);
      const expired = (await store.taskHistory({ taskId: 't' })).find((e) => e.type === 'task.expired');
      expect(expired?.data).toMatchObject({ from: 'claimed', to: 'available', attempts: 1 });
      expect(String(expired?.data.reason)).toContain('no heartbeat from w');
    });

    it('fencing: a worker whose claim expired and was retaken gets LEASE_LOST, the new holder keeps it', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'slow' });
      clock.advance(TTL);
      await store.expireLeases();
      await store.claimNextTask({ workerId: 'fast' });
      const error = await rejects(store.completeTask({ taskId: 't', workerId: 'slow', output: 'stale' }), 'LEASE_LOST');
      expect(error.details).toMatchObject({ holder: 'fast' });
      await rejects(
        store.heartbeat({ workerId: 'slow' }).then(() => store.startTask({ taskId: 't', workerId: 'slow' })),
        'LEASE_LOST',
      );
      expect(await store.getTask({ taskId: 't' })).toMatchObject({ status: 'claimed', worker: 'fast', output: null });
      expect((await store.completeTask({ taskId: 't', workerId: 'fast', output: 'fresh' })).task.output).toBe('fresh');
    });

    it('a task whose holder dies every time is dead-lettered to failed after maxAttempts', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 'poison', description: 'kills its agent', maxAttempts: 3 });
      for (let i = 1; i <= 3; i++) {
        expect((await store.claimNextTask({ workerId: `agent-${i}` }))?.task.id).toBe('poison');
        clock.advance(TTL);
        await store.expireLeases();
      }
      const task = await store.getTask({ taskId: 'poison' });
      expect(task).toMatchObject({ status: 'failed', attempts: 3 });
      expect(task.error).toContain('lease expired 3 time');
      expect(await store.claimNextTask({ workerId: 'agent-4' })).toBeNull();
      const last = (await store.taskHistory({ taskId: 'poison' })).at(-1);
      expect(last).toMatchObject({ type: 'task.expired', data: { to: 'failed', attempts: 3 } });
    });

    it('an idle slot expires too', async () => {
      const { store, clock } = await h.open();
      await store.claimSlot({ workerId: 'idle' });
      clock.advance(TTL);
      expect((await store.expireLeases()).slots).toEqual([{ project: 'default', slot: 1 }]);
      expect((await store.listSlots())[0]?.free).toBe(true);
    });

    it('a claim may ask for a longer lease', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w', leaseTtlMs: TTL * 6 });
      clock.advance(TTL * 5);
      await store.expireLeases();
      expect((await store.getTask({ taskId: 't' })).status).toBe('claimed');
      expect((await store.heartbeat({ workerId: 'w' })).leaseExpiresAt).toBe(clock.now() + TTL);
    });
  });

  describe('releaseSlot, output kept (what the original update-task did)', () => {
    it('complete or fail with releaseSlot: the slot that held the task is freed in the same step', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      const first = await store.claimNextTask({ workerId: 'w' });
      await store.completeTask({ taskId: 'a', workerId: 'w', output: 'ok', releaseSlot: true });
      expect((await store.listSlots()).find((s) => s.slot === first?.slot)).toMatchObject({ free: true, worker: null });
      expect((await store.events()).at(-1)).toMatchObject({ type: 'slot.released', workerId: 'w', slot: first?.slot });
      const second = await store.claimNextTask({ workerId: 'w' });
      await store.failTask({ taskId: 'b', workerId: 'w', error: 'broke', releaseSlot: true });
      expect((await store.listSlots()).every((s) => s.free)).toBe(true);
      expect(second?.slot).toBe(first?.slot);
    });

    it('without releaseSlot the worker keeps its slot; a repeated complete frees nothing', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.completeTask({ taskId: 't', workerId: 'w' });
      await store.completeTask({ taskId: 't', workerId: 'w', releaseSlot: true });
      expect((await store.listSlots()).filter((s) => !s.free).map((s) => s.worker)).toEqual(['w']);
    });

    it('fail keeps the output sent with it, and reset keeps the output', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      const failed = await store.failTask({ taskId: 't', workerId: 'w', error: 'tests red', output: 'half done' });
      expect(failed.task).toMatchObject({ status: 'failed', error: 'tests red', output: 'half done' });
      expect((await store.resetTask({ taskId: 't' })).task).toMatchObject({
        status: 'available',
        error: null,
        output: 'half done',
      });
      await store.claimNextTask({ workerId: 'w' });
      // Without an output the failure leaves the kept one alone; a retry keeps it too.
      expect((await store.failTask({ taskId: 't', workerId: 'w', retry: true })).task).toMatchObject({
        status: 'available',
        output: 'half done',
      });
    });
  });

  describe('reset, cancel, clean-all', () => {
    it('reset brings a failed task back with attempts 0, blocked while a dependency is not done', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'solo', description: 'x' });
      await store.claimNextTask({ workerId: 'w' });
      await store.failTask({ taskId: 'solo', workerId: 'w', error: 'e' });
      expect((await store.resetTask({ taskId: 'solo' })).task).toMatchObject({
        status: 'available',
        attempts: 0,
        error: null,
        worker: null,
      });

      await store.addTasks({
        tasks: [
          { id: 'dep', description: 'x' },
          { id: 'child', description: 'x', dependencies: ['dep'] },
        ],
      });
      await store.cancelTask({ taskId: 'child' });
      expect((await store.resetTask({ taskId: 'child' })).task.status).toBe('blocked');
    });

    it('reset of a task that is not failed or cancelled is INVALID_TRANSITION', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const error = await rejects(store.resetTask({ taskId: 't' }), 'INVALID_TRANSITION');
      expect(error.details).toMatchObject({ status: 'available' });
      await rejects(store.resetTask({ taskId: 'ghost' }), 'TASK_NOT_FOUND');
    });

    it('cancel withdraws a claimed task: the slot empties and the holder gets LEASE_LOST', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      expect((await store.cancelTask({ taskId: 't', reason: 'plan changed' })).task).toMatchObject({
        status: 'cancelled',
        worker: null,
        slot: null,
      });
      expect((await store.listSlots())[0]).toMatchObject({ worker: 'w', taskId: null });
      await rejects(store.completeTask({ taskId: 't', workerId: 'w' }), 'LEASE_LOST');
    });

    it('done never changes: cancel and reset of a done task are INVALID_TRANSITION', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.completeTask({ taskId: 't', workerId: 'w' });
      await rejects(store.cancelTask({ taskId: 't' }), 'INVALID_TRANSITION');
      await rejects(store.resetTask({ taskId: 't' }), 'INVALID_TRANSITION');
      await rejects(store.failTask({ taskId: 't', workerId: 'w' }), 'LEASE_LOST');
      expect((await store.getTask({ taskId: 't' })).status).toBe('done');
    });

    it('edit changes content, keeps the status, re-sorts the queue, and refuses finished tasks', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'first', description: 'x' },
          { id: 'second', description: 'x' },
        ],
      });
      const { task } = await store.editTask({
        taskId: 'second',
        priority: 5,
        labels: ['b', 'a'],
        description: 'clearer now',
      });
      expect(task).toMatchObject({
        status: 'available',
        priority: 5,
        labels: ['a', 'b'],
        description: 'clearer now',
        version: 2,
      });
      expect((await store.taskHistory({ taskId: 'second' })).at(-1)).toMatchObject({
        type: 'task.edited',
        data: { priority: 5 },
      });
      expect((await store.claimNextTask({ workerId: 'w' }))?.task.id).toBe('second');
      const events = (await store.events()).length;
      expect((await store.editTask({ taskId: 'first', priority: 0 })).task.version).toBe(1);
      expect((await store.events()).length).toBe(events);
      await store.completeTask({ taskId: 'second', workerId: 'w' });
      await rejects(store.editTask({ taskId: 'second', priority: 1 }), 'INVALID_TRANSITION');
      await rejects(store.editTask({ taskId: 'first' }), 'VALIDATION_FAILED');
      await rejects(store.editTask({ taskId: 'ghost', priority: 1 }), 'TASK_NOT_FOUND');
    });

    it('clean-all removes every task and frees every slot; seq keeps increasing', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      await store.claimNextTask({ workerId: 'w' });
      await store.claimSlot({ workerId: 'x' });
      const lastSeq = (await store.events()).at(-1)?.seq ?? 0;
      expect(await store.cleanAll()).toEqual({ removed: 2, slotsFreed: 2 });
      expect((await store.listTasks()).tasks).toEqual([]);
      expect((await store.listSlots()).every((s) => s.free)).toBe(true);
      await store.addTask({ id: 'a', description: 'different now' });
      const events = await store.events({ afterSeq: lastSeq });
      expect(events.map((e) => e.type)).toEqual(['tasks.cleaned', 'task.added']);
      expect(events[0]?.seq).toBe(lastSeq + 1);
    });
  });
}
