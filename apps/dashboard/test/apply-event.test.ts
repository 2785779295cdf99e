// The board follows the events: the REAL events of a memory store (every rule run for real, not
// events built by hand), replayed onto an empty board, give exactly the tasks listTasks answers.
// And the board stays immutable: a batch makes a new board that shares every untouched column.
import { describe, expect, it } from 'vitest';
import {
  allPages,
  EVENT_TEXT_MAX,
  createMemoryStore,
  type Store,
  type Task,
  type TaskEvent,
} from '@task-coordinator/core';
import { fakeClock, sequentialIds } from '@task-coordinator/core/testing';
import { BoardDraft, applyEvent, emptyBoard, putTask, replay, type BoardData } from '../src/live/apply-event.js';

const TTL = 10_000;

function open(): { store: Store; clock: ReturnType<typeof fakeClock> } {
  const clock = fakeClock();
  const store = createMemoryStore({ clock: clock.now, newId: sequentialIds(), config: { slots: 8, leaseTtlMs: TTL } });
  return { store, clock };
}

async function allEvents(store: Store, project = 'default'): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.events({ project, afterSeq: after, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page.at(-1)!.seq;
  }
}

async function listed(store: Store, project = 'default'): Promise<Task[]> {
  const out = await allPages((after) => store.listTasks({ project, limit: 1000, ...after }));
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

const byId = (board: BoardData) => [...board.tasks.values()].sort((a, b) => (a.id < b.id ? -1 : 1));

/** Every task's column is its status, and the columns hold every task once. */
function expectColumnsConsistent(board: BoardData): void {
  let n = 0;
  for (const [status, column] of Object.entries(board.columns)) {
    for (const task of column.values()) {
      expect(task.status).toBe(status);
      expect(board.tasks.get(task.id)).toBe(task);
      n++;
    }
  }
  expect(n).toBe(board.tasks.size);
}

describe('the board replays real events', () => {
  it('every rule: add, claim, start, complete (unblocking), retry, fail, expire, release, cancel, edit, reset, batch reset', async () => {
    const { store, clock } = open();
    await store.addTasks({
      tasks: [
        { id: 'a', description: 'first', labels: ['x', 'y'], priority: 2 },
        { id: 'b', description: 'second', dependencies: ['a'], maxAttempts: 5 },
        { id: 'c', description: 'third', dependencies: ['a', 'b'], deadline: clock.now() + 60_000 },
        { id: 'flaky', description: 'fails', maxAttempts: 2, output: 'seeded output' },
        { id: 'lost', description: 'its holder vanishes', maxAttempts: 1 },
        { id: 'dropped', description: 'released' },
        { id: 'unwanted', description: 'cancelled while held' },
        { id: 'long', description: 'fails with a long error', maxAttempts: 1 },
      ],
    });
    const claim = async (taskId: string, workerId: string) => {
      const { slot } = await store.claimSlot({ workerId });
      return store.claimTask({ taskId, workerId, slot: slot.slot });
    };
    await claim('a', 'w1');
    await store.startTask({ taskId: 'a', workerId: 'w1' });
    await store.completeTask({ taskId: 'a', workerId: 'w1', output: 'done a' });
    await claim('flaky', 'w2');
    await store.failTask({ taskId: 'flaky', workerId: 'w2', error: 'first try', retry: true });
    await claim('flaky', 'w2');
    await store.failTask({ taskId: 'flaky', workerId: 'w2', error: 'second try', retry: true });
    await claim('dropped', 'w3');
    await store.releaseTask({ taskId: 'dropped', workerId: 'w3', reason: 'not mine' });
    await claim('unwanted', 'w4');
    await store.cancelTask({ taskId: 'unwanted', reason: 'no longer needed' });
    await store.editTask({ taskId: 'c', description: 'third, edited', labels: ['z'], priority: 7, maxAttempts: 4 });
    await claim('long', 'w5');
    await store.failTask({ taskId: 'long', workerId: 'w5', error: `${'e'.repeat(EVENT_TEXT_MAX + 50)}` });
    await claim('lost', 'w6');
    clock.advance(TTL + 1);
    await store.expireLeases();
    await store.resetTask({ taskId: 'flaky' });
    await store.resetTasks({ taskIds: ['lost', 'unwanted', 'b'] });
    await claim('b', 'w7');
    await store.completeTask({ taskId: 'b', workerId: 'w7' });
    await claim('dropped', 'w8');
    await store.releaseSlot({ slot: (await store.listSlots()).find((s) => s.worker === 'w8')!.slot, workerId: 'w8' });

    const events = await allEvents(store);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'task.added',
        'slot.claimed',
        'task.claimed',
        'task.started',
        'task.completed',
        'task.unblocked',
        'task.retrying',
        'task.released',
        'task.cancelled',
        'task.edited',
        'task.failed',
        'task.expired',
        'slot.expired',
        'task.reset',
        'slot.released',
      ]),
    );
    const board = replay(events);
    const tasks = await listed(store);
    // Long texts are clipped in events (the row keeps the whole text; the task page fetches it).
    const clipped = tasks.map((t) => (t.id === 'long' ? { ...t, error: `${t.error!.slice(0, EVENT_TEXT_MAX)}…` } : t));
    expect(byId(board)).toEqual(clipped);
    expect(board.tasks.get('long')!.error!.length).toBe(EVENT_TEXT_MAX + 1);
    expectColumnsConsistent(board);
    expect([...board.dependents.get('a')!].sort()).toEqual(['b', 'c']);
  });

  it('people in the loop: progress, question, answer, notes, review approve and reject follow from data.row', async () => {
    const { store } = open();
    await store.addTasks({
      tasks: [
        { id: 'asks', description: 'asks a person' },
        { id: 'gated', description: 'needs a review', review: true },
        { id: 'after', description: 'after the review', dependencies: ['gated'] },
        { id: 'sent-back', description: 'rejected once', review: true },
      ],
    });
    const claim = async (taskId: string, workerId: string) => {
      const { slot } = await store.claimSlot({ workerId });
      return store.claimTask({ taskId, workerId, slot: slot.slot });
    };
    await claim('asks', 'w1');
    await store.startTask({ taskId: 'asks', workerId: 'w1', progress: 'reading the schema' });
    await store.startTask({ taskId: 'asks', workerId: 'w1', progress: 'writing the migration' });
    await store.askQuestion({
      taskId: 'asks',
      workerId: 'w1',
      question: 'Which database?',
      options: ['SQLite', 'PostgreSQL'],
    });
    await store.answerQuestion({ taskId: 'asks', option: 1, by: 'ana' });
    await store.addNote({ taskId: 'asks', text: 'chose PostgreSQL', by: 'w1' });
    await claim('gated', 'w2');
    await store.completeTask({ taskId: 'gated', workerId: 'w2', output: 'ready' });
    await store.approveTask({ taskId: 'gated', by: 'ana' });
    await claim('sent-back', 'w3');
    await store.completeTask({ taskId: 'sent-back', workerId: 'w3' });
    await store.rejectTask({ taskId: 'sent-back', note: 'tests missing', by: 'ana' });

    const events = await allEvents(store);
    for (const type of [
      'task.progress',
      'task.question_asked',
      'task.answered',
      'task.note_added',
      'task.review_requested',
      'task.approved',
      'task.rejected',
    ]) {
      expect(events.map((e) => e.type)).toContain(type);
    }
    const board = replay(events);
    expect(byId(board)).toEqual(await listed(store));
    expect(board.tasks.get('asks')).toMatchObject({ status: 'working', progress: 'writing the migration' });
    expect(board.tasks.get('after')!.status).toBe('available');
    expect(board.tasks.get('sent-back')!.notes.at(-1)).toMatchObject({ kind: 'rejection', text: 'tests missing' });
    expectColumnsConsistent(board);
  });

  it('a heartbeat renews a lease without an event: everything else still matches', async () => {
    const { store, clock } = open();
    await store.addTasks({ tasks: [{ id: 'held', description: 'held' }] });
    await store.claimNextTask({ workerId: 'w' });
    clock.advance(1000);
    await store.heartbeat({ workerId: 'w' });
    const board = replay(await allEvents(store));
    const [task] = await listed(store);
    const { leaseExpiresAt, version, updatedAt, ...rest } = task!;
    const projected = board.tasks.get('held')!;
    expect(projected).toMatchObject(rest);
    // The board takes the renewed lease from the slots (board-store.ts); the claim's lease is older.
    expect(projected.leaseExpiresAt).toBeLessThan(leaseExpiresAt!);
    expect(projected.version).toBeLessThan(version);
    expect(projected.updatedAt).toBeLessThan(updatedAt);
  });

  it('a board loaded from listTasks and then sent the events after its seq ends where the store is', async () => {
    const { store } = open();
    await store.addTasks({ tasks: [{ id: 'a', description: 'a' }] });
    const seq = (await store.stats()).lastSeq;
    // Changes land between the stats and the list: the list already has them, the replay too.
    await store.claimNextTask({ workerId: 'w' });
    await store.addTasks({ tasks: [{ id: 'b', description: 'b', dependencies: ['a'] }] });
    const draft = new BoardDraft(emptyBoard());
    for (const task of await listed(store)) putTask(draft, task);
    await store.completeTask({ taskId: 'a', workerId: 'w' });
    for (const event of await store.events({ afterSeq: seq })) applyEvent(draft, event);
    const board = draft.finish();
    expect(byId(board)).toEqual(await listed(store));
    expectColumnsConsistent(board);
  });

  it('clean-all empties the board', async () => {
    const { store } = open();
    await store.addTasks({ tasks: [{ id: 'a', description: 'a' }] });
    await store.cleanAll();
    await store.addTasks({ tasks: [{ id: 'z', description: 'after' }] });
    const board = replay(await allEvents(store));
    expect(byId(board)).toEqual(await listed(store));
    expect(board.tasks.size).toBe(1);
  });
});

describe('immutable updates', () => {
  it('a batch makes a new board; the old one is unchanged and untouched columns are shared', async () => {
    const { store } = open();
    await store.addTasks({
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
        { id: 'c', description: 'c' },
      ],
    });
    const seq = (await store.stats()).lastSeq;
    const before = replay(await allEvents(store));
    const frozen = JSON.stringify([...before.tasks.values()]);
    await store.claimNextTask({ workerId: 'w' });
    const after = replay(await store.events({ afterSeq: seq }), before);

    expect(after).not.toBe(before);
    expect(JSON.stringify([...before.tasks.values()])).toBe(frozen);
    expect(before.columns.available.size).toBe(2);
    expect(after.columns.available).not.toBe(before.columns.available);
    expect(after.columns.claimed).not.toBe(before.columns.claimed);
    // Untouched: the same objects, so their views do not re-render.
    expect(after.columns.blocked).toBe(before.columns.blocked);
    expect(after.columns.done).toBe(before.columns.done);
    expect(after.dependents).toBe(before.dependents);
    expect(after.tasks.get('b')).toBe(before.tasks.get('b'));
    // An event that changes nothing (already applied) gives back the very same board.
    expect(replay(await store.events({ afterSeq: seq }), after)).toBe(after);
  });

  it('an older answer does not roll a task back', () => {
    const draft = new BoardDraft(emptyBoard());
    const task: Task = {
      id: 't',
      project: 'default',
      description: 'd',
      status: 'claimed',
      priority: 0,
      dependencies: [],
      labels: [],
      deadline: null,
      output: null,
      error: null,
      worker: 'w',
      slot: 1,
      attempts: 0,
      maxAttempts: 3,
      leaseExpiresAt: 10,
      createdAt: 1,
      startedAt: null,
      completedAt: null,
      updatedAt: 5,
      version: 3,
      review: false,
      progress: null,
      question: null,
      answer: null,
      notes: [],
      files: [],
    };
    putTask(draft, task);
    expect(putTask(draft, { ...task, status: 'available', version: 2 })).toBe(false);
    expect(draft.get('t')!.status).toBe('claimed');
  });
});
