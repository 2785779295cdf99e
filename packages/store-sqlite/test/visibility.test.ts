// The visibility watermark (sqlite-backend.ts): readers of the event log never see an event before
// its commit is durable and announced. The fsync is held by hand, so every step is a condition.
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { fakeClock } from '@task-coordinator/core/testing';
import { openSqliteStore, type FsyncFn, type SqliteStore } from '@task-coordinator/store-sqlite';
import { tempDir } from './helpers.js';
import { heldFsync, tracked, turns, until } from './held-fsync.js';

const tmp = tempDir('tc-visible-');
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

async function open(name: string, fsync: FsyncFn, clock?: () => number, maxGroupSize?: number) {
  const store = await openSqliteStore({
    file: tmp.file(name),
    fsync,
    ...(clock ? { clock } : {}),
    ...(maxGroupSize ? { maxGroupSize } : {}),
  });
  stores.push(store);
  return store;
}

/** What every reader of the event log answers right now. */
async function logView(store: SqliteStore) {
  const [events, desc, stats, history, audit] = await Promise.all([
    store.events({ limit: 1000 }),
    store.events({ order: 'desc', limit: 1000 }),
    store.stats(),
    store.taskHistory({ taskId: 'b' }),
    store.events({ type: ['task.added'], limit: 1000 }),
  ]);
  return {
    seqs: events.map((e) => e.seq),
    desc: desc.map((e) => e.seq),
    lastSeq: stats.lastSeq,
    history: history.map((e) => e.seq),
    added: audit.map((e) => e.taskId),
  };
}

describe('visibility watermark', () => {
  it('events, lastSeq and history show a commit only once it is durable, in the same step as its events go out', async () => {
    const sync = heldFsync();
    const store = await open('visible.db', sync.fn);
    const a = tracked(store.addTask({ id: 'a', description: 'x' }));
    await until(() => sync.pending.length === 1, 'first fsync requested');
    sync.release();
    await a.done;
    const before = await logView(store);
    expect(before).toEqual({ seqs: [1], desc: [1], lastSeq: 1, history: [], added: ['a'] });

    // What a listener can read when it is told: the event it is told about, nothing less.
    const told: Array<{ event: TaskEvent; seen: Promise<TaskEvent[]> }> = [];
    store.subscribe((event) => told.push({ event, seen: store.events({ afterSeq: 0, limit: 1000 }) }));
    const b = tracked(store.addTask({ id: 'b', description: 'x' }));
    await until(() => sync.pending.length === 1, 'second fsync requested');
    // Committed (the row is in the file) but not durable: no reader of the log sees it, nobody is told.
    expect(store.database.stats.commits).toBe(2);
    await turns(10);
    expect(await logView(store)).toEqual(before);
    expect(told).toEqual([]);
    expect(b.state.settled).toBe(false);

    sync.release();
    await b.done;
    expect(told.map((t) => t.event.seq)).toEqual([2]);
    expect((await (told[0] as (typeof told)[number]).seen).map((e) => e.seq)).toEqual([1, 2]);
    expect(await logView(store)).toEqual({ seqs: [1, 2], desc: [2, 1], lastSeq: 2, history: [2], added: ['a', 'b'] });
  });

  it('groups committed behind a held fsync become visible together when the fsync that covers them returns, in seq order', async () => {
    const sync = heldFsync();
    // One command per group: the three held behind the first fsync commit as three groups.
    const store = await open('groups.db', sync.fn, undefined, 1);
    const told: number[] = [];
    store.subscribe((event) => told.push(event.seq));
    const first = tracked(store.addTask({ id: 'g0', description: 'x' }));
    await until(() => sync.pending.length === 1, 'first fsync requested');
    const later = [];
    for (let i = 1; i <= 3; i++) {
      later.push(tracked(store.addTask({ id: `g${i}`, description: 'x' })));
      await turns(2);
    }
    expect((await store.stats()).lastSeq).toBe(0);
    sync.release();
    await first.done;
    // The first fsync covered g0 only: g1..g3 are committed as it returns, in three groups, and
    // stay hidden until the next fsync returns.
    await until(() => sync.pending.length === 1, 'second fsync requested');
    expect(store.database.stats.commits).toBe(4);
    expect((await store.events({ limit: 100 })).map((e) => e.taskId)).toEqual(['g0']);
    expect((await store.stats()).lastSeq).toBe(1);
    expect(told).toEqual([1]);
    sync.release();
    await Promise.all(later.map((l) => l.done));
    expect(told).toEqual([1, 2, 3, 4]);
    expect((await store.events({ afterSeq: 1, limit: 100 })).map((e) => e.taskId)).toEqual(['g1', 'g2', 'g3']);
  });

  it('retention never prunes an event readers cannot see yet, and keeps the newest one they can', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const sync = heldFsync();
    const store = await open('prune.db', sync.fn, clock.now);
    for (const id of ['p1', 'p2']) {
      const add = tracked(store.addTask({ id, description: 'x' }));
      await until(() => sync.pending.length === 1, `fsync for ${id}`);
      sync.release();
      await add.done;
    }
    clock.advance(60_000);
    const hidden = tracked(store.addTask({ id: 'p3', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync for p3 requested');
    // Everything is older than the cutoff; p3's event is not yet visible.
    clock.advance(60_000);
    // The pass commits at once (its transaction runs in the call) and waits for the next fsync.
    const prune = tracked(store.prune({ eventsBefore: clock.now(), limit: 100 }));
    sync.release();
    await hidden.done;
    await until(() => sync.pending.length === 1, 'fsync for the prune requested');
    expect(prune.state.settled).toBe(false);
    sync.release();
    await prune.done;
    expect(prune.state.value).toEqual({ events: 1, tasks: 0 });
    // p2's event, the newest visible one then, stayed; p3's was not touched.
    expect((await store.events({ limit: 100 })).map((e) => e.taskId)).toEqual(['p2', 'p3']);
    expect((await store.stats()).lastSeq).toBe(3);
  });

  it('after a failed fsync the commits it covered stay invisible to every reader of the log, and nobody is told', async () => {
    const sync = heldFsync();
    const store = await open('failed.db', sync.fn);
    const ok = tracked(store.addTask({ id: 'ok', description: 'x' }));
    await until(() => sync.pending.length === 1, 'first fsync');
    sync.release();
    await ok.done;
    const told: number[] = [];
    store.subscribe((event) => told.push(event.seq));
    const lost = tracked(store.addTask({ id: 'b', description: 'x' }));
    await until(() => sync.pending.length === 1, 'second fsync');
    sync.fail('EIO');
    await lost.done;
    expect(lost.state.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(told).toEqual([]);
    expect(await logView(store)).toEqual({ seqs: [1], desc: [1], lastSeq: 1, history: [], added: ['ok'] });
    await expect(store.prune({ eventsBefore: Date.now() + 1, limit: 10 })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    // Health checks see it: every write is refused from now on.
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
