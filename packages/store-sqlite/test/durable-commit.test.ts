// The durable half of a commit runs off the event loop (wal-sync.ts): these tests hold, release and
// fail that fsync by hand, so every step is a condition, never a wait on the clock.
import { fstatSync, fsync as realFsync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError, type ClaimResult } from '@task-coordinator/core';
import { openSqliteStore, type FsyncFn, type SqliteStore } from '@task-coordinator/store-sqlite';
import { tempDir } from './helpers.js';
import { heldFsync, tracked, turns, until } from './held-fsync.js';

const tmp = tempDir('tc-durable-');
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

async function open(name: string, fsync?: FsyncFn, synchronous?: 'FULL' | 'NORMAL') {
  const store = await openSqliteStore({
    file: tmp.file(name),
    ...(fsync ? { fsync } : {}),
    ...(synchronous ? { synchronous } : {}),
  });
  stores.push(store);
  return store;
}

describe('durable commit off the event loop', () => {
  it('acknowledges a command only after the fsync of the WAL that follows its commit', async () => {
    const sync = heldFsync();
    const store = await open('ack.db', sync.fn);
    const add = tracked(store.addTask({ id: 'a', description: 'durable' }));
    await until(() => sync.pending.length === 1, 'the commit asks for an fsync');
    // The fsync is of the WAL file itself.
    expect(fstatSync((sync.pending[0] as { fd: number }).fd).ino).toBe(statSync(tmp.file('ack.db-wal')).ino);
    await turns(20);
    expect(add.state.settled).toBe(false);
    sync.release();
    await add.done;
    expect(add.state.error).toBeUndefined();
    // Acknowledged ⇒ in the file: another connection reads it.
    const reader = new Database(tmp.file('ack.db'), { readonly: true });
    try {
      expect(reader.prepare(`SELECT status FROM tasks WHERE id = 'a'`).get()).toEqual({ status: 'available' });
    } finally {
      reader.close();
    }
  });

  it('events reach subscribers only once the commit is durable', async () => {
    const sync = heldFsync();
    const store = await open('events.db', sync.fn);
    const seen: string[] = [];
    store.subscribe((event) => seen.push(event.type));
    const add = tracked(store.addTask({ id: 'e', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    await turns(20);
    expect(seen).toEqual([]);
    sync.release();
    await add.done;
    expect(seen).toEqual(['task.added']);
  });

  it('commands that arrive while an fsync runs are held uncommitted, then committed and covered by the next fsync, answered in order', async () => {
    const sync = heldFsync();
    const store = await open('group.db', sync.fn);
    const first = tracked(store.addTask({ id: 'g0', description: 'x' }));
    await until(() => sync.pending.length === 1, 'first fsync requested');
    const order: string[] = [];
    void first.done.then(() => order.push('g0'));
    const later = [];
    for (let i = 1; i <= 3; i++) {
      const add = tracked(store.addTask({ id: `g${i}`, description: 'x' }));
      void add.done.then(() => order.push(`g${i}`));
      later.push(add);
      // Each in a later turn; none is written while the first fsync runs (writing to the WAL
      // during an fsync made it wait for those pages too).
      await turns(3);
    }
    expect(store.database.stats.commits).toBe(1);
    expect(sync.pending.length).toBe(1);
    sync.release();
    await first.done;
    // Committed when the first fsync returned, all together, just before the second one.
    await until(() => sync.pending.length === 1, 'second fsync requested');
    expect(store.database.stats.commits).toBe(2);
    expect(store.database.stats.commands).toBe(4);
    expect(later.some((l) => l.state.settled)).toBe(false);
    sync.release();
    await Promise.all(later.map((l) => l.done));
    expect(order).toEqual(['g0', 'g1', 'g2', 'g3']);
    expect(store.database.syncs).toBe(2);
    expect((await store.getTask({ taskId: 'g3' })).status).toBe('available');
  });

  it('commands held behind an fsync that fails are refused unwritten', async () => {
    const sync = heldFsync();
    const store = await open('held-fail.db', sync.fn);
    const first = tracked(store.addTask({ id: 'h0', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    const held = tracked(store.addTask({ id: 'h1', description: 'x' }));
    await turns(3);
    sync.fail('EIO');
    await Promise.all([first.done, held.done]);
    expect((first.state.error as DomainError).code).toBe('STORE_UNAVAILABLE');
    expect((held.state.error as DomainError).code).toBe('STORE_UNAVAILABLE');
    expect(store.database.stats.commits).toBe(1);
    expect(sync.pending.length).toBe(0);
  });

  it('a failed fsync rejects the commands it covered with STORE_UNAVAILABLE, and later writes are refused', async () => {
    const sync = heldFsync();
    const store = await open('fail.db', sync.fn);
    const add = tracked(store.addTask({ id: 'f', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    sync.fail('EIO');
    await add.done;
    expect(add.state.error).toBeInstanceOf(DomainError);
    expect((add.state.error as DomainError).code).toBe('STORE_UNAVAILABLE');
    expect((add.state.error as DomainError).message).toMatch(/outcome of the last commands is unknown/);
    await expect(store.addTask({ id: 'g', description: 'y' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(sync.pending.length).toBe(0);
    // Reads still answer (the operator can look before restarting).
    expect((await store.stats()).total).toBeGreaterThanOrEqual(0);
  });

  it('a rule rejection in a group is answered after the fsync too, and writes nothing', async () => {
    const sync = heldFsync();
    const store = await open('reject.db', sync.fn);
    const ok = tracked(store.addTask({ id: 'r', description: 'x' }));
    const bad = tracked(store.startTask({ taskId: 'missing', workerId: 'w' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    await turns(10);
    expect(ok.state.settled || bad.state.settled).toBe(false);
    sync.release();
    await Promise.all([ok.done, bad.done]);
    expect(ok.state.error).toBeUndefined();
    expect((bad.state.error as DomainError).code).toBe('TASK_NOT_FOUND');
  });

  it('close waits for the fsync in flight: every command issued before it is answered first', async () => {
    const sync = heldFsync();
    const store = await open('close.db', sync.fn);
    const add = tracked(store.addTask({ id: 'c', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    const closing = tracked(store.close());
    await turns(20);
    expect(closing.state.settled).toBe(false);
    expect(add.state.settled).toBe(false);
    sync.release();
    await closing.done;
    expect(add.state.settled).toBe(true);
    expect(add.state.error).toBeUndefined();
    const reopened = await open('close.db');
    expect((await reopened.getTask({ taskId: 'c' })).status).toBe('available');
  });

  it('with synchronous NORMAL nothing is synced per commit (a commit survives a process crash only)', async () => {
    let calls = 0;
    const store = await open('normal.db', (fd, callback) => (calls++, realFsync(fd, callback)), 'NORMAL');
    await store.addTask({ id: 'n', description: 'x' });
    expect(calls).toBe(0);
  });

  it('a command issued when a commit is seen (onCommitted, before its fsync) shares that fsync, and neither is answered before it', async () => {
    const sync = heldFsync();
    const store = await open('committed.db', sync.fn);
    const seen: string[] = [];
    let claiming: Promise<ClaimResult | null> | null = null;
    store.database.onCommitted((events) => {
      seen.push(...events.map((e) => e.type));
      // As a woken long-poll waiter does: it claims in a later microtask.
      claiming ??= Promise.resolve().then(() => store.claimNextTask({ workerId: 'w' }));
    });
    const add = tracked(store.addTask({ id: 'c', description: 'x' }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    // Both committed before the one fsync started.
    expect(store.database.stats.commits).toBe(2);
    expect(seen).toEqual(['task.added', 'slot.claimed', 'task.claimed']);
    const claim = tracked(claiming as unknown as Promise<ClaimResult | null>);
    await turns(20);
    expect(add.state.settled).toBe(false);
    expect(claim.state.settled).toBe(false);
    sync.release();
    await add.done;
    await claim.done;
    expect(claim.state.value?.task.id).toBe('c');
    expect(store.database.syncs).toBe(1);
  });

  it('a retention pass is durable before it resolves', async () => {
    const sync = heldFsync();
    const store = await open('prune.db', sync.fn);
    const prune = tracked(store.prune({ eventsBefore: Date.now(), tasksBefore: Date.now(), limit: 10 }));
    await until(() => sync.pending.length === 1, 'fsync requested');
    await turns(10);
    expect(prune.state.settled).toBe(false);
    sync.release();
    await prune.done;
    expect(prune.state.error).toBeUndefined();
  });
});
