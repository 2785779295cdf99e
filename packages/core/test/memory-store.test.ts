// The in-memory store runs the whole store contract.
import { describeStoreContract, fakeClock } from '@task-coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@task-coordinator/core';

describeStoreContract({ name: 'memory', create: (options) => createMemoryStore(options) });

describe('memory store retention at scale', () => {
  it('prunes a 200,000-event log (spreading it into one call would throw RangeError)', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore({ clock: clock.now });
    for (let batch = 0; batch < 20; batch++) {
      await store.addTasks({
        tasks: Array.from({ length: 10_000 }, (_, i) => ({ id: `t${batch}-${i}`, description: 'x' })),
      });
    }
    clock.advance(10_000);
    await store.addTask({ id: 'newest', description: 'x' });
    // One pass removes at most `limit` events but compacts the whole retained log behind them.
    const pruned = await store.prune({ eventsBefore: clock.now() - 5_000, limit: 1000 });
    expect(pruned.events).toBe(1000);
    expect(await store.taskHistory({ taskId: 't0-0' })).toEqual([]);
    expect((await store.events({ limit: 1 }))[0]?.taskId).toBe('t0-1000');
    expect((await store.events({ afterSeq: 200_000, limit: 10 })).map((e) => e.taskId)).toEqual(['newest']);
  }, 300_000);
});
