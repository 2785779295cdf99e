// Whole-board reads from the per-project snapshot (src/snapshot): no store query when nothing changed,
// read-your-writes, exactly the right answers dropped by a change, and replicas converging on PostgreSQL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allPages, EVENT_TEXT_MAX, type Store } from '@task-coordinator/core';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { toLegacyTask } from '../src/routes/legacy-task.js';
import type { LegacyBody } from '../src/snapshot/project-snapshot.js';
import { jsonBytes } from '../src/snapshot/serialized.js';
import { Snapshots } from '../src/snapshot/snapshots.js';
import { eventually, startTestServer, tempDb } from './helpers.js';

const url = process.env.TC_TEST_DATABASE_URL ?? '';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** The store, counting the reads the snapshot makes of it. */
function counted(store: Store) {
  const calls = { listTasks: 0, getTask: 0, listSlots: 0 };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop in calls) calls[prop as keyof typeof calls]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { proxy, calls };
}

/** A fake clock: leases move only when a test moves it. */
const clock = { now: 1_700_000_000_000 };

async function sqliteSnapshots() {
  const store = await openSqliteStore({ file: tempDb(), clock: () => clock.now });
  const { proxy, calls } = counted(store);
  const snapshots = new Snapshots(proxy, { now: () => clock.now });
  cleanup.push(
    () => store.close(),
    () => snapshots.close(),
  );
  return { store, reader: snapshots.reader(), snapshots, calls };
}

const legacyIds = (body: LegacyBody) =>
  (JSON.parse(Buffer.concat(body.pieces).toString()) as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id);

describe('snapshot reads', () => {
  it('a read when nothing changed queries nothing and returns the very same bytes', async () => {
    const { store, snapshots, calls } = await sqliteSnapshots();
    await store.addTasks({
      tasks: [
        { id: 'a', description: 'x' },
        { id: 'b', description: 'y', dependencies: ['a'] },
      ],
    });
    const board = snapshots.project('default');
    const first = await board.legacyBody('all');
    const reads = { ...calls };
    const second = await board.legacyBody('all');
    expect(second).toBe(first);
    expect(calls).toEqual(reads);
    expect(legacyIds(first)).toEqual(['a', 'b']);
    const available = await board.legacyBody('available');
    expect(await board.legacyBody('available')).toBe(available);
    expect(legacyIds(available)).toEqual(['a']);
    expect(calls).toEqual(reads);
  });

  it('a cached first page is serialised once; other answers every time', async () => {
    const { store, snapshots, calls } = await sqliteSnapshots();
    await store.addTask({ id: 'p', description: 'x' });
    const board = snapshots.project('default');
    const page = await board.firstPage({ key: '{}', input: {} });
    const reads = { ...calls };
    expect(await board.firstPage({ key: '{}', input: {} })).toBe(page);
    expect(calls).toEqual(reads);
    expect(jsonBytes(page)).toBe(jsonBytes(page));
    expect(JSON.parse(jsonBytes(page).toString())).toEqual(page);
    const plain = { tasks: [] };
    expect(jsonBytes(plain)).not.toBe(jsonBytes(plain));
  });

  it('a change is followed from its events (no store read) and drops only the answers it alters', async () => {
    const { store, snapshots } = await sqliteSnapshots();
    await store.addTasks({
      tasks: [
        { id: 'a', description: 'x' },
        { id: 'b', description: 'y', dependencies: ['a'] },
        ...Array.from({ length: 50 }, (_, i) => ({ id: `n${String(i).padStart(2, '0')}`, description: 'z' })),
      ],
    });
    const board = snapshots.project('default');
    const all = await board.legacyBody('all');
    const loads = board.reads.fullLoads;
    const fetched = board.reads.tasksFetched;
    const page = await board.firstPage({ key: 'first-2', input: { limit: 2 } });
    const blocked = await board.firstPage({ key: 'blocked', input: { status: ['blocked'] } });
    const laterPage = await board.firstPage({ key: 'n-working', input: { status: ['working'], limit: 5 } });
    // Claim and complete a task far from the first page: 'a' is on it, so claim n49 (not on it).
    const { slot } = await store.claimSlot({ workerId: 'w' });
    await store.claimTask({ taskId: 'n49', workerId: 'w', slot: slot.slot });
    const afterClaim = await board.legacyBody('all');
    expect(afterClaim).not.toBe(all);
    expect(board.reads.fullLoads).toBe(loads);
    // The event's row change is applied to the entry: no task is fetched, and the body is the store's.
    expect(board.reads.tasksFetched).toBe(fetched);
    expect(JSON.parse(Buffer.concat(afterClaim.pieces).toString())).toEqual({
      success: true,
      tasks: (await allPages((after) => store.listTasks({ limit: 1000, ...after }))).map(toLegacyTask),
    });
    // n49 is neither on the first page nor before its last task; nor blocked: both kept.
    expect(await board.firstPage({ key: 'first-2', input: { limit: 2 } })).toBe(page);
    expect(await board.firstPage({ key: 'blocked', input: { status: ['blocked'] } })).toBe(blocked);
    // Completing 'a' unblocks 'b': both followed from the events, the first page and the blocked list dropped.
    await store.claimTask({ taskId: 'a', workerId: 'w2', slot: (await store.claimSlot({ workerId: 'w2' })).slot.slot });
    await store.completeTask({ taskId: 'a', workerId: 'w2' });
    const newPage = await board.firstPage({ key: 'first-2', input: { limit: 2 } });
    expect(newPage).not.toBe(page);
    expect(newPage.tasks.map((t) => [t.id, t.status])).toEqual([
      ['a', 'done'],
      ['b', 'available'],
    ]);
    expect((await board.firstPage({ key: 'blocked', input: { status: ['blocked'] } })).tasks).toEqual([]);
    expect(board.reads.tasksFetched).toBe(fetched);
    // Not full (no working task at all): a task that now matches drops it wherever it is.
    expect(laterPage.tasks).toEqual([]);
    await store.startTask({ taskId: 'n49', workerId: 'w' });
    expect(
      (await board.firstPage({ key: 'n-working', input: { status: ['working'], limit: 5 } })).tasks.map((t) => t.id),
    ).toEqual(['n49']);
    expect(board.reads.fullLoads).toBe(loads);
  });

  it('a change an event cannot carry whole (a clipped text, a missed version) is fetched from the store', async () => {
    const { store, snapshots } = await sqliteSnapshots();
    await store.addTasks({
      tasks: [
        { id: 'a', description: 'x' },
        { id: 'long', description: 'd'.repeat(5_000) },
      ],
    });
    const board = snapshots.project('default');
    await board.legacyBody('all');
    const fetched = board.reads.tasksFetched;
    const { slot } = await store.claimSlot({ workerId: 'w' });
    await store.claimTask({ taskId: 'a', workerId: 'w', slot: slot.slot });
    // The event clips an output this long: the entry takes the whole text from the store.
    await store.completeTask({ taskId: 'a', workerId: 'w', output: 'o'.repeat(EVENT_TEXT_MAX * 2) });
    const tasks = JSON.parse(Buffer.concat((await board.legacyBody('all')).pieces).toString()).tasks;
    expect(tasks.find((t: { id: string }) => t.id === 'a').output).toBe('o'.repeat(EVENT_TEXT_MAX * 2));
    expect(board.reads.tasksFetched).toBe(fetched + 1);
    // A row change that is not the entry's next version (an event missed): fetched too.
    const { version } = await store.getTask({ taskId: 'long' });
    board.note({
      seq: 10_000,
      at: clock.now,
      type: 'task.edited',
      project: 'default',
      taskId: 'long',
      workerId: null,
      slot: null,
      data: { row: { version: version + 2, description: 'never seen' } },
    });
    const after = JSON.parse(Buffer.concat((await board.legacyBody('all')).pieces).toString()).tasks;
    expect(after.find((t: { id: string }) => t.id === 'long').description).toBe('d'.repeat(5_000));
    expect(board.reads.tasksFetched).toBe(fetched + 2);
  });

  it("on a board of several chunks a change re-serialises its block only, and the body stays the store's", async () => {
    const { store, snapshots } = await sqliteSnapshots();
    for (let i = 0; i < 2_500; i += 500)
      await store.addTasks({
        tasks: Array.from({ length: 500 }, (_, j) => ({ id: `c${String(i + j).padStart(4, '0')}`, description: 'x' })),
      });
    const board = snapshots.project('default');
    const before = await board.legacyBody('available');
    const encoded = board.reads.blocksSerialised;
    const { slot } = await store.claimSlot({ workerId: 'w' });
    await store.claimTask({ taskId: 'c2400', workerId: 'w', slot: slot.slot });
    const after = await board.legacyBody('available');
    // Within the chunk, only the changed task's block of 64 is encoded again (the rest are copied).
    expect(board.reads.blocksSerialised).toBe(encoded + 1);
    // Pieces: prefix, chunk, comma, chunk, comma, chunk, suffix; only the last chunk (c2048…) changed.
    expect(after.pieces.length).toBe(7);
    expect(after.pieces[1]).toBe(before.pieces[1]);
    expect(after.pieces[3]).toBe(before.pieces[3]);
    expect(after.pieces[5]).not.toBe(before.pieces[5]);
    const ids = legacyIds(after);
    expect(ids.length).toBe(2_499);
    expect(ids).not.toContain('c2400');
    const all = (await allPages((after) => store.listTasks({ status: ['available'], limit: 1000, ...after }))).map(
      (t) => t.id,
    );
    expect(ids).toEqual(all);
    expect(after.length).toBe(Buffer.concat(after.pieces).length);
  });

  it('every acknowledged write is in the next read (stats, slots, lists, original bodies)', async () => {
    const { store, reader, snapshots } = await sqliteSnapshots();
    const board = snapshots.project('default');
    await board.legacyBody('all');
    await store.addTask({ id: 't1', description: 'one' });
    expect(legacyIds(await board.legacyBody('available'))).toEqual(['t1']);
    expect((await reader.stats()).tasks.available).toBe(1);
    const { slot } = await store.claimSlot({ workerId: 'w' });
    expect((await reader.listSlots()).find((s) => s.slot === slot.slot)?.worker).toBe('w');
    await store.claimTask({ taskId: 't1', workerId: 'w', slot: slot.slot });
    expect(legacyIds(await board.legacyBody('available'))).toEqual([]);
    expect((await reader.listTasks({ status: ['claimed'] })).tasks.map((t) => t.id)).toEqual(['t1']);
    const stats = await reader.stats();
    expect(stats.tasks.claimed).toBe(1);
    expect(stats.slots.busy).toBe(1);
    // A heartbeat renews the lease without an event: the reader still shows the new lease.
    const before = (await reader.listSlots()).find((s) => s.slot === slot.slot)?.leaseExpiresAt ?? 0;
    clock.now += 1_000;
    await reader.heartbeat({ workerId: 'w' });
    const after = (await reader.listSlots()).find((s) => s.slot === slot.slot)?.leaseExpiresAt ?? 0;
    expect(after).toBeGreaterThan(before);
    await store.failTask({ taskId: 't1', workerId: 'w', error: 'boom' });
    const failedOrRetried = JSON.parse(Buffer.concat((await board.legacyBody('all')).pieces).toString()).tasks[0];
    expect(failedOrRetried.error).toBe('boom');
    await store.cleanAll();
    expect(legacyIds(await board.legacyBody('all'))).toEqual([]);
    expect((await reader.stats()).total).toBe(0);
    expect(stats.lastSeq).toBeLessThan((await reader.stats()).lastSeq);
  });

  it('a write with no event (a start repeated as a keep-alive, a heartbeat) is in the next first page', async () => {
    const { store, reader } = await sqliteSnapshots();
    await store.addTask({ id: 'k', description: 'keep' });
    const { slot } = await reader.claimSlot({ workerId: 'w' });
    await reader.claimTask({ taskId: 'k', workerId: 'w', slot: slot.slot });
    const started = await reader.startTask({ taskId: 'k', workerId: 'w' });
    const page = async () => (await reader.listTasks({ worker: 'w' })).tasks[0];
    expect((await page())?.version).toBe(started.task.version);
    // Well inside the cached page's age bound: only the answer can tell the snapshot.
    clock.now += 100;
    const again = await reader.startTask({ taskId: 'k', workerId: 'w' });
    expect(again.task.version).toBeGreaterThan(started.task.version);
    expect(await page()).toMatchObject({ version: again.task.version, leaseExpiresAt: again.task.leaseExpiresAt });
    clock.now += 100;
    await reader.heartbeat({ workerId: 'w' });
    const renewed = await store.getTask({ taskId: 'k' });
    expect(renewed.leaseExpiresAt).toBeGreaterThan(again.task.leaseExpiresAt ?? 0);
    expect(await page()).toMatchObject({ version: renewed.version, leaseExpiresAt: renewed.leaseExpiresAt });
    // Written past this reader (as another replica would): shown once the cached page is older than the bound.
    clock.now += 100;
    await store.heartbeat({ workerId: 'w' });
    clock.now += 1_000;
    const elsewhere = await store.getTask({ taskId: 'k' });
    expect(await page()).toMatchObject({ version: elsewhere.version, leaseExpiresAt: elsewhere.leaseExpiresAt });
  });

  it('tasks that retention removes (no event) leave the snapshot after the pass', async () => {
    const { store, reader, snapshots } = await sqliteSnapshots();
    await store.addTask({ id: 'old', description: 'x' });
    const { slot } = await store.claimSlot({ workerId: 'w' });
    await store.claimTask({ taskId: 'old', workerId: 'w', slot: slot.slot });
    await store.completeTask({ taskId: 'old', workerId: 'w' });
    const board = snapshots.project('default');
    expect(legacyIds(await board.legacyBody('all'))).toEqual(['old']);
    const pruned = await reader.prune({ tasksBefore: clock.now + 60_000, limit: 10 });
    expect(pruned.tasks).toBe(1);
    expect(legacyIds(await board.legacyBody('all'))).toEqual([]);
  });

  it('invalid queries reach the store and get its error', async () => {
    const { reader } = await sqliteSnapshots();
    await expect(reader.listTasks({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reader.stats({ project: 'bad project' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reader.listSlots({ project: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('the original endpoints answer from the snapshot over HTTP, with read-your-writes', async () => {
    const server = await startTestServer();
    const list = async (path: string) =>
      ((await server.http.get(path)).body as { tasks: Array<{ id: string; status: string }> }).tasks;
    expect(await list('/api/available-tasks')).toEqual([]);
    await server.http.post('/api/add-task', { id: 'h1', description: 'one' });
    await server.http.post('/api/add-task', { id: 'h2', description: 'two', dependencies: ['h1'] });
    expect((await list('/api/available-tasks')).map((t) => t.id)).toEqual(['h1']);
    const slot = (await server.http.post('/api/claim-worker-slot')).body.slot as number;
    await server.http.post('/api/claim-task', { taskId: 'h1', workerId: 'w', workerSlot: slot });
    expect(await list('/api/available-tasks')).toEqual([]);
    const workers = (await server.http.get('/api/workers')).body.workers as Array<{ slot: number; taskId?: string }>;
    expect(workers.find((w) => w.slot === slot)?.taskId).toBe('h1');
    await server.http.post('/api/update-task', { taskId: 'h1', status: 'done', workerId: 'w', output: 'ok' });
    expect((await list('/api/available-tasks')).map((t) => t.id)).toEqual(['h2']);
    expect((await list('/api/all-tasks')).map((t) => [t.id, t.status])).toEqual([
      ['h1', 'done'],
      ['h2', 'available'],
    ]);
    const stats = (await server.http.get('/api/v1/stats')).body;
    expect(stats.tasks.done).toBe(1);
  });
});

describe.skipIf(!url)('snapshot on PostgreSQL replicas', () => {
  const admin = new pg.Client({ connectionString: url });
  const schemas: string[] = [];
  afterAll(async () => {
    if (!schemas.length) return;
    await admin.connect();
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await admin.end();
  });

  it("a replica's snapshot converges on another replica's commits through the event feed", async () => {
    const schema = `tc_snapshot_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const a = await openPostgresStore({ connectionString: url, schema });
    const b = await openPostgresStore({ connectionString: url, schema });
    const snapshots = new Snapshots(b);
    cleanup.push(
      () => a.close(),
      () => b.close(),
      () => snapshots.close(),
    );
    const board = snapshots.project('default');
    const reader = snapshots.reader();
    expect(legacyIds(await board.legacyBody('all'))).toEqual([]);
    await a.addTasks({
      tasks: [
        { id: 'r1', description: 'x' },
        { id: 'r2', description: 'y' },
      ],
    });
    await eventually(async () => legacyIds(await board.legacyBody('available')).length === 2);
    const { slot } = await a.claimSlot({ workerId: 'w' });
    await a.claimTask({ taskId: 'r1', workerId: 'w', slot: slot.slot });
    await a.completeTask({ taskId: 'r1', workerId: 'w' });
    await eventually(async () => (await reader.stats()).tasks.done === 1);
    expect(legacyIds(await board.legacyBody('available'))).toEqual(['r2']);
    // Read-your-writes on the replica that wrote: no waiting at all.
    await b.cancelTask({ taskId: 'r2' });
    expect(legacyIds(await board.legacyBody('available'))).toEqual([]);
    expect((await reader.stats()).tasks.cancelled).toBe(1);
    // Converged through the feed only: one full load, the rest fetched by key.
    expect(board.reads.fullLoads).toBe(1);
  });
});
