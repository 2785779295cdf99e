// The transition table and the helpers every rule shares: claiming, leaving a slot, fencing.
//
// | action   | from                                        | to                                  |
// |----------|---------------------------------------------|-------------------------------------|
// | add      | (new)                                       | blocked, or available if deps done  |
// | claim    | available                                   | claimed                             |
// | start    | claimed, working                            | working                             |
// | complete | claimed, working                            | done (+ dependents → available)     |
// | fail     | claimed, working                            | failed, or available if retry left  |
// | release  | claimed, working                            | available (no attempt counted)      |
// | expire   | claimed, working (lease ran out)            | available, or failed at maxAttempts |
// | unblock  | blocked (last dependency done)              | available                           |
// | reset    | failed, cancelled                           | available or blocked (attempts 0)   |
// | cancel   | blocked, available, claimed, working, failed | cancelled                          |
// | edit     | blocked, available, claimed, working, failed | (same status; content changed)     |
//
// Holder actions (start, complete, fail, release) are fenced: only the worker holding the task
// while its claim stands may do them; anyone else gets LEASE_LOST and nothing changes.
import { DomainError } from '../errors.js';
import { isActive, type Slot, type Task, type TaskStatus } from '../model.js';
import type { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';

export const TRANSITIONS = {
  claim: ['available'],
  start: ['claimed', 'working'],
  complete: ['claimed', 'working'],
  fail: ['claimed', 'working'],
  release: ['claimed', 'working'],
  expire: ['claimed', 'working'],
  unblock: ['blocked'],
  reset: ['failed', 'cancelled'],
  cancel: ['blocked', 'available', 'claimed', 'working', 'failed'],
  edit: ['blocked', 'available', 'claimed', 'working', 'failed'],
} as const satisfies Record<string, readonly TaskStatus[]>;

export type Action = keyof typeof TRANSITIONS;

export function allows(action: Action, status: TaskStatus): boolean {
  return (TRANSITIONS[action] as readonly TaskStatus[]).includes(status);
}

/** Longest error text copied into an event (the task row keeps the whole text). */
const EVENT_TEXT_MAX = 1024;

export function clip(text: string | null | undefined): string | null {
  if (text == null || text.length <= EVENT_TEXT_MAX) return text ?? null;
  // Cut on a code point, never inside a surrogate pair (that would be ill-formed text).
  const end = /[\uD800-\uDBFF]/.test(text[EVENT_TEXT_MAX - 1] as string) ? EVENT_TEXT_MAX - 1 : EVENT_TEXT_MAX;
  return `${text.slice(0, end)}…`;
}

export function taskNotFound(taskId: string, project: string): DomainError {
  return new DomainError('TASK_NOT_FOUND', `task ${taskId} does not exist`, { taskId, project });
}

/**
 * Fencing: throws LEASE_LOST unless `worker` holds `task` right now. The message says where the
 * task went, so an agent knows to drop the work rather than retry.
 */
export function assertHolder(task: Task, worker: string, action: Action): void {
  if (isActive(task.status) && task.worker === worker) return;
  const where = isActive(task.status) ? `${task.status} by ${task.worker ?? 'another worker'}` : task.status;
  throw new DomainError('LEASE_LOST', `cannot ${action} task ${task.id}: worker ${worker} does not hold it (it is ${where}); drop this work`, {
    taskId: task.id,
    status: task.status,
    holder: isActive(task.status) ? task.worker : null,
  });
}

/** A lease end that never moves earlier: renewals extend, they do not cut a longer claim short. */
export function extendLease(current: number | null, ctx: RuleContext, ttlMs = ctx.config.leaseTtlMs): number {
  const next = ctx.now + ttlMs;
  return current !== null && current > next ? current : next;
}

/** Puts `task` into `slot` for `worker`: the single place a claim is made. */
export function applyClaim(changes: ChangeSet, ctx: RuleContext, task: Task, slot: Slot, worker: string, ttlMs: number): Task {
  const leaseExpiresAt = ctx.now + ttlMs;
  const claimed = changes.updateTask(task, {
    status: 'claimed',
    worker,
    slot: slot.slot,
    leaseExpiresAt,
    startedAt: null,
  });
  changes.putSlot({
    ...slot,
    worker,
    taskId: task.id,
    leaseExpiresAt: Math.max(slot.leaseExpiresAt, leaseExpiresAt),
    lastSeenAt: ctx.now,
  });
  changes.event(
    'task.claimed',
    task.project,
    { taskId: task.id, workerId: worker, slot: slot.slot },
    { from: task.status, to: 'claimed', attempts: task.attempts, leaseExpiresAt },
  );
  return claimed;
}

/**
 * Empties the slot of a task leaving claimed/working (done, failed, released, expired,
 * cancelled). The worker keeps the slot; a heartbeat-like renewal is applied when `renew`.
 */
export function vacateSlot(changes: ChangeSet, ctx: RuleContext, slot: Slot | null, taskId: string, renew: boolean): void {
  if (!slot) return;
  const pending = changes.pendingSlot(slot.project, slot.slot);
  if (pending === 'free') return;
  const current = pending ?? slot;
  if (current.taskId !== taskId) return;
  changes.putSlot({
    ...current,
    taskId: null,
    ...(renew ? { leaseExpiresAt: extendLease(current.leaseExpiresAt, ctx), lastSeenAt: ctx.now } : {}),
  });
}

/** Fields cleared when a task goes back to the queue. */
export const BACK_TO_QUEUE = { worker: null, slot: null, leaseExpiresAt: null, startedAt: null } as const;
