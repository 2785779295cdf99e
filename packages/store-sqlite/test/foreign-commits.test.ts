// Commits of another process on the same SQLite file reach this store's feed (announcer.ts): once
// each, in seq order with this store's own, and only once an fsync of the WAL covers them. A
// second store on the file is another connection, which is what SQLite tells apart. The periodic
// look is turned off (an hour) and done by hand, so every step is a condition.
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { openSqliteStore, type FsyncFn, type SqliteStore } from '@task-coordinator/store-sqlite';
import { tempDir } from './helpers.js';
import { heldFsync, turns, until } from './held-fsync.js';

const tmp = tempDir('tc-foreign-');
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

async function open(file: string, fsync?: FsyncFn) {
  const store = await openSqliteStore({ file, foreignPollMs: 3_600_000, ...(fsync ? { fsync } : {}) });
  stores.push(store);
  return store;
}

function listen(store: SqliteStore): TaskEvent[] {
  const heard: TaskEvent[] = [];
  store.subscribe((event) => heard.push(event));
  return heard;
}

const added = (events: TaskEvent[]) => events.filter((e) => e.type === 'task.added').map((e) => e.taskId);

describe('commits of another process on the file', () => {
  it('go out through the feed once each, in seq order with our own', async () => {
    const file = tmp.file('shared.db');
    const server = await open(file);
    const other = await open(file);
    const heard = listen(server);

    // Theirs before ours: handed on just before ours, with no look needed (a gap in the seqs).
    await other.addTask({ id: 'theirs-1', description: 'x' });
    await server.addTask({ id: 'ours-1', description: 'x' });
    expect(added(heard)).toEqual(['theirs-1', 'ours-1']);

    // Theirs after our last commit: handed on at the next look.
    await other.addTasks({
      tasks: [
        { id: 'theirs-2', description: 'x' },
        { id: 'theirs-3', description: 'x', dependencies: ['theirs-2'] },
      ],
    });
    await turns(20);
    expect(added(heard)).toEqual(['theirs-1', 'ours-1']);
    server.database.pollForeignCommits();
    await until(() => heard.length === 4, 'their batch heard');
    expect(added(heard)).toEqual(['theirs-1', 'ours-1', 'theirs-2', 'theirs-3']);

    // Their claim and ours, interleaved: every event of the log heard once, in order.
    const theirs = await other.claimNextTask({ workerId: 'other-agent' });
    const ours = await server.claimNextTask({ workerId: 'agent' });
    expect(ours?.task.id).not.toBe(theirs?.task.id);
    server.database.pollForeignCommits();
    await until(() => heard.filter((e) => e.type === 'task.claimed').length === 2, 'both claims heard');
    const log = await server.events({ limit: 1000 });
    expect(heard.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect(heard.find((e) => e.type === 'task.claimed' && e.workerId === 'other-agent')?.taskId).toBe(theirs?.task.id);

    // Nothing new: a look hands nothing on twice.
    server.database.pollForeignCommits();
    await turns(20);
    expect(heard.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
  });

  it('are handed on only once an fsync of the WAL has covered them', async () => {
    const file = tmp.file('held.db');
    const sync = heldFsync();
    const server = await open(file, sync.fn);
    const other = await open(file);
    const heard = listen(server);

    await other.addTask({ id: 'imported', description: 'from import-plan' });
    server.database.pollForeignCommits();
    await until(() => sync.pending.length === 1, 'an fsync requested for their commit');
    await turns(20);
    expect(heard).toEqual([]);

    sync.release();
    await until(() => heard.length === 1, 'their commit heard after the fsync');
    expect(added(heard)).toEqual(['imported']);
  });
});
