// The dashboard's live reservations follow the REAL events of a memory store (reserve, release some, a task
// finishing, cleaning the board): replayed, they give exactly what listReservations answers, from any point
// the list was loaded at (events that arrive during the load are applied on top of it).
import { describe, expect, it } from 'vitest';
import { createMemoryStore, type Reservation, type Store, type TaskEvent } from '@task-coordinator/core';
import { fakeClock, sequentialIds } from '@task-coordinator/core/testing';
import { applyReservationEvent } from '../src/live/reservations.js';

const sorted = (list: readonly Reservation[]) =>
  [...list].sort((a, b) => `${a.taskId} ${a.pattern}`.localeCompare(`${b.taskId} ${b.pattern}`));

async function holding(store: Store, worker: string, taskId: string): Promise<void> {
  const { slot } = await store.claimSlot({ workerId: worker });
  await store.claimTask({ taskId, workerId: worker, slot: slot.slot });
}

describe('live reservations', () => {
  it('replaying the events from any load point gives the store’s list', async () => {
    const clock = fakeClock();
    const store = createMemoryStore({
      clock: clock.now,
      newId: sequentialIds(),
      config: { slots: 8, leaseTtlMs: 60_000 },
    });
    await store.addTasks({
      tasks: ['auth', 'api', 'ui'].map((id) => ({ id, description: id })),
    });
    const snapshots: Array<{ seq: number; list: Reservation[] }> = [{ seq: 0, list: [] }];
    const snap = async () => {
      const events = await store.events({ limit: 1000 });
      snapshots.push({ seq: events.at(-1)?.seq ?? 0, list: (await store.listReservations()).reservations });
    };
    await holding(store, 'agent-a', 'auth');
    await holding(store, 'agent-b', 'api');
    await holding(store, 'agent-c', 'ui');
    await store.reserveFiles({ taskId: 'auth', workerId: 'agent-a', patterns: ['src/auth/**', 'docs/auth.md'] });
    await snap();
    await store.reserveFiles({ taskId: 'api', workerId: 'agent-b', patterns: ['src/api/**'], reason: 'routes' });
    await store.reserveFiles({ taskId: 'ui', workerId: 'agent-c', patterns: ['README.md'], mode: 'shared' });
    await store.reserveFiles({ taskId: 'api', workerId: 'agent-b', patterns: ['README.md'], mode: 'shared' });
    await snap();
    await store.releaseFiles({ taskId: 'auth', workerId: 'agent-a', patterns: ['docs/auth.md'] });
    await store.completeTask({ taskId: 'api', workerId: 'agent-b', output: 'done' });
    await snap();
    await store.releaseFiles({ taskId: 'ui', workerId: 'agent-c' });
    await snap();

    const all: TaskEvent[] = await store.events({ limit: 1000 });
    expect(all.filter((e) => e.type === 'files.released').map((e) => e.data.reason)).toEqual([
      'released',
      'task-finished',
      'released',
    ]);
    const final = (await store.listReservations()).reservations;
    expect(final.map((r) => r.pattern)).toEqual(['src/auth/**']);
    for (const { seq, list } of snapshots) {
      let live: readonly Reservation[] = list;
      for (const event of all.filter((e) => e.seq > seq)) live = applyReservationEvent(live, event);
      expect(sorted(live), `loaded at seq ${seq}`).toEqual(sorted(final));
      // Events the load already included, applied again (they arrived while it ran): still the same list.
      let again: readonly Reservation[] = final;
      for (const event of all.filter((e) => e.seq > seq)) again = applyReservationEvent(again, event);
      expect(sorted(again), `again from seq ${seq}`).toEqual(sorted(final));
    }

    await store.cleanAll({});
    const cleaned = (await store.events({ limit: 1000 })).at(-1)!;
    expect(applyReservationEvent(final, cleaned)).toEqual([]);
  });
});
