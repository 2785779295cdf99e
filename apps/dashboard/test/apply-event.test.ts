// The board follows events without a request: each event moves the task the way the server did.
import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { applyEvent, emptyBoard, putTask } from '../src/live/apply-event.js';

let seq = 0;
const event = (type: TaskEvent['type'], taskId: string | null, data: Record<string, unknown>, extra: Partial<TaskEvent> = {}): TaskEvent => ({
  seq: ++seq,
  at: 1_800_000_000_000 + seq,
  type,
  project: 'default',
  taskId,
  workerId: null,
  slot: null,
  data,
  ...extra,
});

describe('applyEvent', () => {
  it('adds a task with what it was created with, and indexes its dependents', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'available', description: 'first', priority: 2, dependencies: [], labels: ['x'], deadline: null, maxAttempts: 3 }));
    applyEvent(board, event('task.added', 'b', { to: 'blocked', description: 'second', priority: 0, dependencies: ['a'], labels: [], deadline: null, maxAttempts: 5 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'available', description: 'first', priority: 2, labels: ['x'] });
    expect(board.tasks.get('b')).toMatchObject({ status: 'blocked', dependencies: ['a'], maxAttempts: 5 });
    expect([...board.dependents.get('a')!]).toEqual(['b']);
  });

  it('follows a claim, a failure with retry, a new claim and the completion that unblocks a dependent', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'available', description: 'a', dependencies: [] }));
    applyEvent(board, event('task.added', 'b', { to: 'blocked', description: 'b', dependencies: ['a'] }));
    applyEvent(board, event('task.claimed', 'a', { from: 'available', to: 'claimed', attempts: 0, leaseExpiresAt: 5 }, { workerId: 'w1', slot: 2 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'claimed', worker: 'w1', slot: 2, leaseExpiresAt: 5 });
    applyEvent(board, event('task.retrying', 'a', { from: 'claimed', to: 'available', attempts: 1, error: 'flaky' }, { workerId: 'w1', slot: 2 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'available', worker: null, slot: null, attempts: 1, error: 'flaky', leaseExpiresAt: null });
    applyEvent(board, event('task.claimed', 'a', { from: 'available', to: 'claimed', attempts: 1, leaseExpiresAt: 9 }, { workerId: 'w2', slot: 1 }));
    applyEvent(board, event('task.started', 'a', { from: 'claimed', to: 'working' }, { workerId: 'w2', slot: 1 }));
    expect(board.tasks.get('a')!.status).toBe('working');
    applyEvent(board, event('task.unblocked', 'b', { from: 'blocked', to: 'available', by: 'a' }));
    applyEvent(board, event('task.completed', 'a', { from: 'working', to: 'done', unblocked: ['b'] }, { workerId: 'w2', slot: 1 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'done', worker: 'w2', slot: null, leaseExpiresAt: null });
    expect(board.tasks.get('b')!.status).toBe('available');
  });

  it('a reset brings a failed task back with attempts at zero; an edit changes only the named fields', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'available', description: 'a', dependencies: [], priority: 1 }));
    applyEvent(board, event('task.failed', 'a', { from: 'claimed', to: 'failed', attempts: 3, error: 'boom' }, { workerId: 'w' }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'failed', attempts: 3, error: 'boom' });
    applyEvent(board, event('task.reset', 'a', { from: 'failed', to: 'available' }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'available', attempts: 0, error: null });
    applyEvent(board, event('task.edited', 'a', { priority: 7, fields: ['priority'] }));
    expect(board.tasks.get('a')).toMatchObject({ priority: 7, description: 'a' });
  });

  it('clean-all empties the board; events about unknown tasks change nothing', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'available', description: 'a', dependencies: [] }));
    expect(applyEvent(board, event('task.claimed', 'ghost', { to: 'claimed' }))).toBe(false);
    expect(applyEvent(board, event('tasks.cleaned', null, { removed: 1 }))).toBe(true);
    expect(board.tasks.size).toBe(0);
    expect(board.dependents.size).toBe(0);
  });
});

describe('the board against late answers and every rule\'s row', () => {
  it('an action\'s answer older than the events after it does not roll the card back', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'failed', description: 'a', dependencies: [] }));
    const answeredAt = board.tasks.get('a')!.updatedAt + 1;
    // The claim event (later) arrives before the reset's HTTP answer (earlier).
    applyEvent(board, { ...event('task.claimed', 'a', { from: 'available', to: 'claimed', attempts: 0, leaseExpiresAt: 9 }, { workerId: 'w', slot: 1 }), at: answeredAt + 5 });
    putTask(board, { ...board.tasks.get('a')!, status: 'available', worker: null, slot: null, leaseExpiresAt: null, updatedAt: answeredAt });
    expect(board.tasks.get('a')).toMatchObject({ status: 'claimed', worker: 'w', slot: 1 });
    applyEvent(board, event('task.started', 'a', { from: 'claimed', to: 'working' }, { workerId: 'w', slot: 1 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'working', worker: 'w', slot: 1 });
  });

  it('a lease that expires into failed clears the holder and records the reason; a cancel finishes the task', () => {
    const board = emptyBoard();
    applyEvent(board, event('task.added', 'a', { to: 'available', description: 'a', dependencies: [] }));
    applyEvent(board, event('task.added', 'b', { to: 'available', description: 'b', dependencies: [] }));
    applyEvent(board, event('task.claimed', 'a', { from: 'available', to: 'claimed', attempts: 2, leaseExpiresAt: 9 }, { workerId: 'w1', slot: 1 }));
    applyEvent(board, event('task.expired', 'a', { from: 'claimed', to: 'failed', attempts: 3, reason: 'lease expired 3 time(s)' }, { workerId: 'w1', slot: 1 }));
    expect(board.tasks.get('a')).toMatchObject({ status: 'failed', worker: null, slot: null, error: 'lease expired 3 time(s)', attempts: 3 });
    applyEvent(board, event('task.claimed', 'b', { from: 'available', to: 'claimed', attempts: 0, leaseExpiresAt: 9 }, { workerId: 'w2', slot: 2 }));
    const cancel = event('task.cancelled', 'b', { from: 'claimed', to: 'cancelled', reason: null }, { workerId: 'w2', slot: 2 });
    applyEvent(board, cancel);
    expect(board.tasks.get('b')).toMatchObject({ status: 'cancelled', worker: null, slot: null, leaseExpiresAt: null, completedAt: cancel.at });
  });
});
