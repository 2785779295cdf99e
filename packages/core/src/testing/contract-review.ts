// Contract: the review gate (complete → review → approve | reject), the Needs-you list and the agents view.
import { describe, expect, it } from 'vitest';
import { rejects, snapshot, TTL, type Harness } from './harness.js';

export function reviewContract(h: Harness): void {
  describe('review gate', () => {
    it('a gated task goes to review on complete: slot freed, dependents stay blocked', async () => {
      const { store } = await h.open();
      const added = await store.addTasks({
        tasks: [
          { id: 'A', description: 'a', review: true },
          { id: 'B', description: 'b', dependencies: ['A'] },
        ],
      });
      expect(added.tasks[0]?.review).toBe(true);
      expect(added.tasks[1]?.review).toBe(false);
      const claim = await store.claimNextTask({ workerId: 'w' });
      const { task, unblocked } = await store.completeTask({ taskId: 'A', workerId: 'w', output: 'patch.diff' });
      expect(unblocked).toEqual([]);
      expect(task).toMatchObject({
        status: 'review',
        output: 'patch.diff',
        worker: 'w',
        slot: null,
        leaseExpiresAt: null,
        completedAt: null,
      });
      expect((await store.listSlots())[(claim?.slot ?? 1) - 1]).toMatchObject({ worker: 'w', taskId: null });
      expect((await store.getTask({ taskId: 'B' })).status).toBe('blocked');
      expect(await store.claimNextTask({ workerId: 'w' })).toBeNull();
      const [event] = await store.events({ type: ['task.review_requested'] });
      expect(event).toMatchObject({ taskId: 'A', workerId: 'w', data: { from: 'claimed', to: 'review' } });
      // The holder's retried complete gets the same answer and changes nothing.
      const before = await snapshot(store);
      expect((await store.completeTask({ taskId: 'A', workerId: 'w' })).task.status).toBe('review');
      expect(await snapshot(store)).toEqual(before);
      // Review is not held: the old holder cannot fail or release it.
      await rejects(store.failTask({ taskId: 'A', workerId: 'w' }), 'LEASE_LOST');
    });

    it('approve: review → done and the dependents unblocked in the same step', async () => {
      const { store, clock } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'A', description: 'a', review: true },
          { id: 'B', description: 'b', dependencies: ['A'] },
        ],
      });
      await store.claimNextTask({ workerId: 'w' });
      await store.completeTask({ taskId: 'A', workerId: 'w' });
      clock.advance(60_000);
      const { task, unblocked } = await store.approveTask({ taskId: 'A', by: 'ann', note: 'looks good' });
      expect(task).toMatchObject({ status: 'done', worker: 'w', completedAt: clock.now() });
      expect(task.notes.at(-1)).toMatchObject({ author: 'ann', text: 'looks good' });
      expect(unblocked).toEqual(['B']);
      expect((await store.getTask({ taskId: 'B' })).status).toBe('available');
      const events = await store.events({ type: ['task.approved', 'task.unblocked'] });
      expect(events.map((e) => e.type)).toEqual(['task.unblocked', 'task.approved']);
      expect(events[0]?.seq).toBe((events[1]?.seq ?? 0) - 1);
      expect(events[1]?.data).toMatchObject({ from: 'review', to: 'done', unblocked: ['B'], by: 'ann' });
    });

    it('approving or rejecting a task not in review is INVALID_TRANSITION and changes nothing', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'plain', description: 'p' },
          { id: 'gated', description: 'g', review: true },
        ],
      });
      await store.claimTask({
        taskId: 'gated',
        workerId: 'w',
        slot: (await store.claimSlot({ workerId: 'w' })).slot.slot,
      });
      const before = await snapshot(store);
      const error = await rejects(store.approveTask({ taskId: 'plain' }), 'INVALID_TRANSITION');
      expect(error.details).toMatchObject({ status: 'available', allowedFrom: ['review'] });
      await rejects(store.approveTask({ taskId: 'gated' }), 'INVALID_TRANSITION');
      await rejects(store.rejectTask({ taskId: 'gated', note: 'no' }), 'INVALID_TRANSITION');
      await rejects(store.approveTask({ taskId: 'missing' }), 'TASK_NOT_FOUND');
      expect(await snapshot(store)).toEqual(before);
      await store.completeTask({ taskId: 'gated', workerId: 'w' });
      await rejects(store.rejectTask({ taskId: 'gated', note: '' }), 'VALIDATION_FAILED');
      await store.approveTask({ taskId: 'gated' });
      await rejects(store.approveTask({ taskId: 'gated' }), 'INVALID_TRANSITION');
    });

    it('reject: review → available with the note attached for the next holder, no attempt counted', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'A', description: 'a', review: true });
      await store.claimNextTask({ workerId: 'first' });
      await store.startTask({ taskId: 'A', workerId: 'first', progress: 'all tests green' });
      await store.completeTask({ taskId: 'A', workerId: 'first' });
      const { task } = await store.rejectTask({ taskId: 'A', note: 'missing the migration for PostgreSQL', by: 'ann' });
      expect(task).toMatchObject({ status: 'available', worker: null, attempts: 0, review: true });
      const [event] = await store.events({ type: ['task.rejected'] });
      expect(event).toMatchObject({
        taskId: 'A',
        workerId: 'first',
        data: { from: 'review', to: 'available', note: 'missing the migration for PostgreSQL', by: 'ann' },
      });
      const next = await store.claimNextTask({ workerId: 'second' });
      expect(next?.handoff).toMatchObject({
        progress: 'all tests green',
        notes: [{ kind: 'rejection', author: 'ann', text: 'missing the migration for PostgreSQL' }],
      });
      // Gated again: the second holder's done goes back to review.
      expect((await store.completeTask({ taskId: 'A', workerId: 'second' })).task.status).toBe('review');
    });

    it('cancel and edit reach waiting and review tasks', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'q', description: 'q' },
          { id: 'r', description: 'r', review: true },
        ],
      });
      await store.claimTask({ taskId: 'q', workerId: 'w', slot: (await store.claimSlot({ workerId: 'w' })).slot.slot });
      await store.askQuestion({ taskId: 'q', workerId: 'w', question: 'q?' });
      await store.claimTask({ taskId: 'r', workerId: 'v', slot: (await store.claimSlot({ workerId: 'v' })).slot.slot });
      await store.completeTask({ taskId: 'r', workerId: 'v' });
      expect((await store.editTask({ taskId: 'r', priority: 5 })).task).toMatchObject({
        status: 'review',
        priority: 5,
      });
      expect((await store.cancelTask({ taskId: 'q' })).task).toMatchObject({ status: 'cancelled', question: null });
      expect((await store.listSlots()).find((s) => s.worker === 'w')?.taskId).toBeNull();
      await rejects(store.startTask({ taskId: 'q', workerId: 'w' }), 'LEASE_LOST');
      expect((await store.cancelTask({ taskId: 'r' })).task.status).toBe('cancelled');
    });
  });

  describe('needs you and agents', () => {
    it('needs you: open questions and reviews, with their count; stats count the new statuses', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'q', description: 'q' },
          { id: 'r', description: 'r', review: true },
          { id: 'x', description: 'x' },
        ],
      });
      await store.claimTask({ taskId: 'q', workerId: 'w', slot: (await store.claimSlot({ workerId: 'w' })).slot.slot });
      await store.askQuestion({ taskId: 'q', workerId: 'w', question: 'q?' });
      await store.claimTask({ taskId: 'r', workerId: 'v', slot: (await store.claimSlot({ workerId: 'v' })).slot.slot });
      await store.completeTask({ taskId: 'r', workerId: 'v' });
      const needs = await store.needsYou();
      expect(needs.count).toBe(2);
      expect(needs.questions.map((t) => t.id)).toEqual(['q']);
      expect(needs.reviews.map((t) => t.id)).toEqual(['r']);
      const stats = await store.stats();
      expect(stats.tasks).toMatchObject({ waiting: 1, review: 1, available: 1 });
      expect(stats.slots).toMatchObject({ held: 2, busy: 1 });
      expect((await store.listTasks({ status: ['waiting', 'review'] })).tasks.map((t) => t.id)).toEqual(['q', 'r']);
    });

    it('agents: active, waiting first among them, idle, stale and gone, from slots, leases and events', async () => {
      const { store, clock } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 't1', description: '1' },
          { id: 't2', description: '2' },
          { id: 't3', description: '3' },
        ],
      });
      await store.claimNextTask({ workerId: 'busy' });
      await store.startTask({ taskId: 't1', workerId: 'busy', progress: 'compiling' });
      await store.claimNextTask({ workerId: 'asker' });
      await store.askQuestion({ taskId: 't2', workerId: 'asker', question: 'which?' });
      await store.claimSlot({ workerId: 'idle' });
      await store.claimSlot({ workerId: 'quitter' });
      await store.releaseSlot({
        slot: (await store.listSlots()).find((s) => s.worker === 'quitter')?.slot ?? 0,
        workerId: 'quitter',
      });
      await store.claimNextTask({ workerId: 'silent' });
      clock.advance(TTL / 2 + 1);
      for (const worker of ['busy', 'asker', 'idle']) await store.heartbeat({ workerId: worker });
      const agents = await store.agents();
      expect(agents.map((a) => [a.workerId, a.state])).toEqual([
        ['silent', 'stale'],
        ['asker', 'active'],
        ['busy', 'active'],
        ['idle', 'idle'],
        ['quitter', 'gone'],
      ]);
      expect(agents[1]).toMatchObject({ taskId: 't2', taskStatus: 'waiting', question: 'which?' });
      expect(agents[2]).toMatchObject({
        taskId: 't1',
        taskStatus: 'working',
        progress: 'compiling',
        onTaskSince: Date.UTC(2026, 0, 1),
      });
      expect(agents[4]).toMatchObject({ goneReason: 'released', slots: [] });
      clock.advance(TTL);
      await store.expireLeases();
      const after = await store.agents();
      expect(after.map((a) => [a.workerId, a.state]).sort()).toEqual([
        ['asker', 'gone'],
        ['busy', 'gone'],
        ['idle', 'gone'],
        ['quitter', 'gone'],
        ['silent', 'gone'],
      ]);
      expect(after.find((a) => a.workerId === 'silent')?.goneReason).toBe('expired');
    });
  });
}
