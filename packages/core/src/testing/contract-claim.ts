// Contract: slots and claims — slot leases, claim, claim-next ordering, retries that leak nothing.
import { describe, expect, it } from 'vitest';
import { rejects, snapshot, TTL, worker, type Harness } from './harness.js';

export function claimContract(h: Harness): void {
  describe('worker slots', () => {
    it('gives the lowest free slot, and the same slot again to the same worker', async () => {
      const { store } = await h.open({ slots: 3 });
      const a = await store.claimSlot({ workerId: 'a' });
      const b = await store.claimSlot({ workerId: 'b' });
      const again = await store.claimSlot({ workerId: 'a' });
      expect([a.slot.slot, b.slot.slot, again.slot.slot]).toEqual([1, 2, 1]);
      expect([a.created, again.created]).toEqual([true, false]);
      await store.releaseSlot({ slot: 1, workerId: 'a' });
      expect((await store.claimSlot({ workerId: 'c' })).slot.slot).toBe(1);
    });

    it('takes a slot in avoidSlots only when no other is free', async () => {
      const { store } = await h.open({ slots: 3 });
      // Free: 1, 2, 3; avoided: 1 and 3 → 2, then 1 (the lowest avoided) once 2 is taken, and a
      // named worker that already holds a slot keeps it whatever it avoids.
      const a = await store.claimSlot({ avoidSlots: [1, 3] });
      const b = await store.claimSlot({ avoidSlots: [1, 3] });
      const c = await store.claimSlot({ workerId: 'c', avoidSlots: [3] });
      const again = await store.claimSlot({ workerId: 'c', avoidSlots: [3] });
      expect([a.slot.slot, b.slot.slot, c.slot.slot, again.slot.slot]).toEqual([2, 1, 3, 3]);
      const before = await snapshot(store);
      await rejects(store.claimSlot({ avoidSlots: [0] }), 'VALIDATION_FAILED');
      expect(await snapshot(store)).toEqual(before);
    });

    it('answers NO_FREE_SLOT when every slot is held', async () => {
      const { store } = await h.open({ slots: 2 });
      await store.claimSlot({ workerId: 'a' });
      await store.claimSlot({ workerId: 'b' });
      const before = await snapshot(store);
      await rejects(store.claimSlot({ workerId: 'c' }), 'NO_FREE_SLOT');
      expect(await snapshot(store)).toEqual(before);
    });

    it('lists every slot, free ones as free', async () => {
      const { store, clock } = await h.open({ slots: 3 });
      await store.claimSlot({ workerId: 'a' });
      const slots = await store.listSlots();
      expect(slots.map((s) => [s.slot, s.free, s.worker])).toEqual([
        [1, false, 'a'],
        [2, true, null],
        [3, true, null],
      ]);
      expect(slots[0]?.leaseExpiresAt).toBe(clock.now() + TTL);
    });

    it('an anonymous slot (original clients) is named by the first claim made in it', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const { slot } = await store.claimSlot({});
      expect(slot.worker).toBeNull();
      await store.claimTask({ taskId: 't', workerId: 'legacy', slot: slot.slot });
      expect((await store.listSlots())[slot.slot - 1]).toMatchObject({ worker: 'legacy', taskId: 't' });
    });

    it('releasing a slot gives its task back without counting an attempt', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const w = await worker(store, 'w');
      await store.claimTask({ taskId: 't', ...w });
      expect(await store.releaseSlot({ slot: w.slot, workerId: 'w' })).toEqual({
        slot: w.slot,
        released: true,
        releasedTask: 't',
      });
      expect(await store.getTask({ taskId: 't' })).toMatchObject({
        status: 'available',
        worker: null,
        slot: null,
        attempts: 0,
      });
      expect(await store.releaseSlot({ slot: w.slot, workerId: 'w' })).toEqual({
        slot: w.slot,
        released: false,
        releasedTask: null,
      });
    });

    it('releasing a slot with keepTask frees the slot and leaves its task with its worker, who still finishes it', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const w = await worker(store, 'w');
      await store.claimTask({ taskId: 't', ...w });
      const before = await store.getTask({ taskId: 't' });
      expect(await store.releaseSlot({ slot: w.slot, force: true, keepTask: true })).toEqual({
        slot: w.slot,
        released: true,
        releasedTask: null,
      });
      expect(await store.getTask({ taskId: 't' })).toMatchObject({
        status: 'claimed',
        worker: 'w',
        slot: null,
        leaseExpiresAt: before.leaseExpiresAt,
      });
      // The freed slot serves another worker's claim while w's task is still w's.
      const other = await worker(store, 'other');
      expect(other.slot).toBe(w.slot);
      await store.addTask({ id: 'u', description: 'u' });
      await store.claimTask({ taskId: 'u', ...other });
      expect((await store.completeTask({ taskId: 't', workerId: 'w' })).task.status).toBe('done');
      expect(await store.getTask({ taskId: 'u' })).toMatchObject({ status: 'claimed', worker: 'other', slot: w.slot });
      const events = await store.events();
      const released = events.find((e) => e.type === 'slot.released');
      expect(released).toMatchObject({ taskId: 't', data: { taskId: null, keptTask: 't' } });
    });

    it('releasing a slot beyond the configured ones is SLOT_NOT_FOUND naming the valid range', async () => {
      const { store } = await h.open();
      const total = store.config.slots;
      const error = await rejects(store.releaseSlot({ slot: total + 94, workerId: 'w' }), 'SLOT_NOT_FOUND');
      expect(error.message).toBe(`slot ${total + 94} does not exist: this project has slots 1-${total}`);
      expect(await store.releaseSlot({ slot: total, workerId: 'w' })).toEqual({
        slot: total,
        released: false,
        releasedTask: null,
      });
    });

    it('only the holder frees a named slot (force overrides); anyone frees an anonymous one', async () => {
      const { store } = await h.open();
      const w = await worker(store, 'w');
      await rejects(store.releaseSlot({ slot: w.slot, workerId: 'intruder' }), 'SLOT_NOT_HELD');
      await rejects(store.releaseSlot({ slot: w.slot }), 'SLOT_NOT_HELD');
      expect((await store.releaseSlot({ slot: w.slot, force: true })).released).toBe(true);
      const { slot } = await store.claimSlot({});
      expect((await store.releaseSlot({ slot: slot.slot })).released).toBe(true);
    });

    it('an idle slot is not kept alive by heartbeats: it lapses after one TTL', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.completeTask({ taskId: 't', workerId: 'w' });
      clock.advance(TTL / 2);
      // Nothing was renewed, so no lease end is reported (not 0).
      expect(await store.heartbeat({ workerId: 'w' })).toEqual({
        workerId: 'w',
        slots: [1],
        tasks: [],
        leaseExpiresAt: null,
      });
      clock.advance(TTL / 2);
      expect((await store.expireLeases()).slots).toEqual([{ project: 'default', slot: 1 }]);
    });

    it('task ids "." and ".." are refused (a URL could never address them)', async () => {
      const { store } = await h.open();
      await rejects(store.addTask({ id: '..', description: 'x' }), 'VALIDATION_FAILED');
      await rejects(store.addTask({ id: '.', description: 'x' }), 'VALIDATION_FAILED');
      expect((await store.addTask({ id: 'a..b', description: 'x' })).id).toBe('a..b');
    });
  });

  describe('claim', () => {
    it('claims an available task under a lease', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const w = await worker(store, 'w');
      const { task, slot, resumed } = await store.claimTask({ taskId: 't', ...w });
      expect(resumed).toBe(false);
      expect(slot).toBe(w.slot);
      expect(task).toMatchObject({
        status: 'claimed',
        worker: 'w',
        slot: w.slot,
        leaseExpiresAt: clock.now() + TTL,
        version: 2,
      });
      expect((await store.listSlots())[w.slot - 1]?.taskId).toBe('t');
    });

    it('needs a slot held by the worker: SLOT_NOT_HELD', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await rejects(store.claimTask({ taskId: 't', workerId: 'w', slot: 1 }), 'SLOT_NOT_HELD');
      const other = await worker(store, 'other');
      await rejects(store.claimTask({ taskId: 't', workerId: 'w', slot: other.slot }), 'SLOT_NOT_HELD');
    });

    it('a second claimer gets NOT_CLAIMABLE naming the holder', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const a = await worker(store, 'agent-a');
      const b = await worker(store, 'agent-b');
      await store.claimTask({ taskId: 't', ...a });
      const error = await rejects(store.claimTask({ taskId: 't', ...b }), 'NOT_CLAIMABLE');
      expect(error.details).toMatchObject({ holder: 'agent-a' });
      expect(error.message).toBe('task t cannot be claimed: it is already claimed by agent-a');
    });

    it('a blocked task is NOT_CLAIMABLE and says what blocks it', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      const w = await worker(store, 'w');
      const error = await rejects(store.claimTask({ taskId: 'b', ...w }), 'NOT_CLAIMABLE');
      expect(error.details).toMatchObject({ status: 'blocked', blockedBy: ['a'] });
    });

    it('a slot holds one task at a time: SLOT_BUSY', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      const w = await worker(store, 'w');
      await store.claimTask({ taskId: 'a', ...w });
      const error = await rejects(store.claimTask({ taskId: 'b', ...w }), 'SLOT_BUSY');
      expect(error.details).toMatchObject({ taskId: 'a' });
    });

    it('a retried claim returns the same claim and writes no event', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const w = await worker(store, 'w');
      await store.claimTask({ taskId: 't', ...w });
      const events = (await store.events()).length;
      const again = await store.claimTask({ taskId: 't', ...w });
      expect(again).toMatchObject({ resumed: true, slot: w.slot, task: { id: 't', status: 'claimed', worker: 'w' } });
      expect((await store.events()).length).toBe(events);
    });

    it('claiming a task that does not exist is TASK_NOT_FOUND', async () => {
      const { store } = await h.open();
      const w = await worker(store, 'w');
      await rejects(store.claimTask({ taskId: 'nope', ...w }), 'TASK_NOT_FOUND');
    });
  });

  describe('claim-next', () => {
    it('takes priority desc, then deadline asc (none last), then creation order', async () => {
      const { store } = await h.open({ slots: 10 });
      const day = Date.UTC(2026, 5, 1);
      await store.addTasks({
        tasks: [
          { id: 'p0-first', description: 'x' },
          { id: 'p0-late', description: 'x', deadline: day + 2 },
          { id: 'p5', description: 'x', priority: 5 },
          { id: 'p0-second', description: 'x' },
          { id: 'p0-early', description: 'x', deadline: day + 1 },
          { id: 'neg', description: 'x', priority: -1 },
          { id: 'p5-deadline', description: 'x', priority: 5, deadline: day },
        ],
      });
      const order: string[] = [];
      for (let i = 0; i < 7; i++) {
        const got = await store.claimNextTask({ workerId: `w${i}` });
        order.push(got?.task.id ?? 'none');
      }
      expect(order).toEqual(['p5-deadline', 'p5', 'p0-early', 'p0-late', 'p0-first', 'p0-second', 'neg']);
    });

    it('takes a free slot for a worker holding none, and keeps it', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      const first = await store.claimNextTask({ workerId: 'w' });
      expect(first).toMatchObject({ slot: 1, task: { id: 'a', status: 'claimed', worker: 'w', slot: 1 } });
      await store.completeTask({ taskId: 'a', workerId: 'w' });
      expect(await store.claimNextTask({ workerId: 'w' })).toMatchObject({ slot: 1, task: { id: 'b' } });
    });

    it('returns null when nothing is available, taking no slot', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      await store.claimNextTask({ workerId: 'w' });
      expect(await store.claimNextTask({ workerId: 'idle' })).toBeNull();
      expect((await store.listSlots()).filter((s) => !s.free).map((s) => s.worker)).toEqual(['w']);
    });

    it('filters by labels: only tasks carrying one of them', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'plain', description: 'x', priority: 9 },
          { id: 'docs', description: 'x', labels: ['docs'] },
          { id: 'ui', description: 'x', labels: ['frontend', 'ui'] },
        ],
      });
      expect((await store.claimNextTask({ workerId: 'f', labels: ['ui', 'css'] }))?.task.id).toBe('ui');
      expect(await store.claimNextTask({ workerId: 'g', labels: ['backend'] })).toBeNull();
      expect((await store.claimNextTask({ workerId: 'h' }))?.task.id).toBe('plain');
    });

    it('a worker that already holds a task gets it back (a retried call never double-claims)', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      const first = await store.claimNextTask({ workerId: 'w' });
      const again = await store.claimNextTask({ workerId: 'w' });
      expect(again).toMatchObject({ resumed: true, slot: first?.slot, task: { id: 'a' } });
      expect((await store.getTask({ taskId: 'b' })).status).toBe('available');
    });

    it('answers NO_FREE_SLOT when work exists but every slot is held by others', async () => {
      const { store } = await h.open({ slots: 1 });
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      await store.claimNextTask({ workerId: 'w1' });
      await rejects(store.claimNextTask({ workerId: 'w2' }), 'NO_FREE_SLOT');
      expect((await store.getTask({ taskId: 'b' })).status).toBe('available');
    });

    it('claims into a named slot the worker holds', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'a', description: 'a' });
      await store.claimSlot({ workerId: 'x' });
      const w = await worker(store, 'w');
      expect(await store.claimNextTask({ workerId: 'w', slot: w.slot })).toMatchObject({
        slot: 2,
        task: { id: 'a', slot: 2 },
      });
      await rejects(store.claimNextTask({ workerId: 'w', slot: 1 }), 'SLOT_NOT_HELD');
    });
  });
}
