// The transition table and the helpers every rule shares: claiming, leaving a slot, fencing.
//
// "Active" (held: holder, slot, lease) = claimed, working, waiting (ACTIVE_STATUSES in model.ts).
//
// | action   | from                                  | to                                          |
// |----------|---------------------------------------|---------------------------------------------|
// | add      | (new)                                 | blocked, or available if deps done          |
// | claim    | available                             | claimed                                     |
// | start    | claimed, working, waiting             | working (waiting stays waiting: keep-alive) |
// | ask      | claimed, working, waiting             | waiting (still held; lease kept alive)      |
// | answer   | waiting                               | working                                     |
// | complete | claimed, working, waiting             | done (+ dependents → available), or review  |
// |          |                                       | on a gated task (slot freed, deps blocked)  |
// | approve  | review                                | done (+ dependents → available)             |
// | reject   | review                                | available (note attached)                   |
// | fail     | claimed, working, waiting             | failed, or available if retry left          |
// | release  | claimed, working, waiting             | available (no attempt counted)              |
// | expire   | claimed, working, waiting (lease out) | available, or failed at maxAttempts         |
// | unblock  | blocked (last dependency done)        | available                                   |
// | reset    | failed, cancelled                     | available or blocked (attempts 0)           |
// | cancel   | any but done, cancelled               | cancelled                                   |
// | edit     | any but done, cancelled               | (same status; content changed)              |
// | note     | any                                   | (same status; a note appended)              |
// | prune    | done, cancelled (nothing depends on it) | (removed by retention: rules/retention.ts) |
//
// Holder actions (start, ask, complete, fail, release) are fenced: only the worker holding the
// task while its claim stands may do them; anyone else gets LEASE_LOST and nothing changes.
// Progress lines, notes and the last answer are kept through every transition.
import { DomainError } from '../errors.js';
import { ACTIVE_STATUSES, isActive, type Slot, type Task, type TaskStatus } from '../model.js';
import type { ChangeSet } from '../engine/change-set.js';
import { ask, type Ask } from '../engine/program.js';
import type { RuleContext } from '../config.js';

export { clip } from '../engine/event-row.js';

export const TRANSITIONS = {
  claim: ['available'],
  start: ACTIVE_STATUSES,
  ask: ACTIVE_STATUSES,
  answer: ['waiting'],
  complete: ACTIVE_STATUSES,
  approve: ['review'],
  reject: ['review'],
  fail: ACTIVE_STATUSES,
  release: ACTIVE_STATUSES,
  reserve: ACTIVE_STATUSES,
  expire: ACTIVE_STATUSES,
  unblock: ['blocked'],
  reset: ['failed', 'cancelled'],
  cancel: ['blocked', 'available', 'claimed', 'working', 'waiting', 'review', 'failed'],
  edit: ['blocked', 'available', 'claimed', 'working', 'waiting', 'review', 'failed'],
  prune: ['done', 'cancelled'],
} as const satisfies Record<string, readonly TaskStatus[]>;

export type Action = keyof typeof TRANSITIONS;

export function allows(action: Action, status: TaskStatus): boolean {
  return (TRANSITIONS[action] as readonly TaskStatus[]).includes(status);
}

/**
 * Whether a dependency in `status` lets its dependents run: only `done` does (a cancelled or failed
 * dependency keeps them blocked until it is reset and done). Undefined: the task does not exist.
 */
export function dependencyMet(status: TaskStatus | undefined): boolean {
  return status === 'done';
}

/**
 * Finished: `done` and `cancelled` never change by themselves (only reset revives a cancelled
 * task); nothing can cancel or edit them, and retention may remove them (TRANSITIONS.prune).
 */
export function isTerminal(status: TaskStatus): boolean {
  return allows('prune', status);
}

export function taskNotFound(taskId: string, project: string): DomainError {
  return new DomainError('TASK_NOT_FOUND', `task ${taskId} does not exist`, { taskId, project });
}

export function* loadTask(project: string, taskId: string): Ask<Task> {
  const [task] = yield* ask({ kind: 'tasks', project, ids: [taskId] });
  if (!task) throw taskNotFound(taskId, project);
  return task;
}

/** INVALID_TRANSITION naming the statuses `action` applies to. */
export function invalidTransition(task: Task, action: Action): DomainError {
  return new DomainError(
    'INVALID_TRANSITION',
    `cannot ${action} task ${task.id}: it is ${task.status} (${action} applies to ${TRANSITIONS[action].join(', ')} tasks)`,
    { taskId: task.id, status: task.status, allowedFrom: [...TRANSITIONS[action]] },
  );
}

/**
 * Fencing: throws LEASE_LOST unless `worker` holds `task` right now. The message says where the
 * task went, so an agent knows to drop the work rather than retry.
 */
export function assertHolder(task: Task, worker: string, action: Action): void {
  if (allows(action, task.status) && task.worker === worker) return;
  const where = isActive(task.status) ? `${task.status} by ${task.worker ?? 'another worker'}` : task.status;
  throw new DomainError(
    'LEASE_LOST',
    `cannot ${action} task ${task.id}: worker ${worker} does not hold it (it is ${where}); drop this work`,
    {
      taskId: task.id,
      status: task.status,
      holder: isActive(task.status) ? task.worker : null,
    },
  );
}

/** A lease end that never moves earlier: renewals extend, they do not cut a longer claim short. */
export function extendLease(current: number | null, ctx: RuleContext, ttlMs = ctx.config.leaseTtlMs): number {
  const next = ctx.now + ttlMs;
  return current !== null && current > next ? current : next;
}

/** Puts `task` into `slot` for `worker`: the single place a claim is made. */
export function applyClaim(
  changes: ChangeSet,
  ctx: RuleContext,
  task: Task,
  slot: Slot,
  worker: string,
  ttlMs: number,
): Task {
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
export function vacateSlot(
  changes: ChangeSet,
  ctx: RuleContext,
  slot: Slot | null,
  taskId: string,
  renew: boolean,
): void {
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

/**
 * The holder gives its slot back with the task that finished in it (`releaseSlot`, what the original
 * server's update-task did for done/failed): the slot is freed only while it still held this task.
 */
export function freeSlot(changes: ChangeSet, slot: Slot | null, taskId: string): void {
  if (!slot) return;
  const pending = changes.pendingSlot(slot.project, slot.slot);
  if (pending === 'free') return;
  const current = pending ?? slot;
  if (current.taskId !== taskId) return;
  changes.deleteSlot(current.project, current.slot);
  changes.event('slot.released', current.project, { workerId: current.worker, slot: current.slot }, { taskId: null });
}

/** Fields cleared when a task goes back to the queue (an open question goes with its holder). */
export const BACK_TO_QUEUE = {
  worker: null,
  slot: null,
  leaseExpiresAt: null,
  startedAt: null,
  question: null,
} as const;

/**
 * Makes available, in this same step, every blocked dependent of `task` whose dependencies are
 * now all done (`task` itself is becoming done). In id order, so every store reports the same.
 */
export function* unblockDependents(changes: ChangeSet, project: string, task: Task): Ask<string[]> {
  const blocked = (yield* ask({ kind: 'dependents', project, id: task.id, status: 'blocked' })).sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const unblocked: string[] = [];
  if (!blocked.length) return unblocked;
  const deps = [...new Set(blocked.flatMap((d) => d.dependencies))].filter((id) => id !== task.id);
  // No hold here: the dependents are locked already, so completers of one dependent take turns
  // and the last one sees every other dependency done (holding them would deadlock fan-ins).
  const statuses = deps.length ? yield* ask({ kind: 'statuses', project, ids: deps, hold: false }) : new Map();
  for (const dependent of blocked) {
    if (dependent.dependencies.every((d) => d === task.id || dependencyMet(statuses.get(d)))) {
      changes.updateTask(dependent, { status: 'available' });
      changes.event(
        'task.unblocked',
        project,
        { taskId: dependent.id },
        { from: 'blocked', to: 'available', by: task.id },
      );
      unblocked.push(dependent.id);
    }
  }
  return unblocked;
}
