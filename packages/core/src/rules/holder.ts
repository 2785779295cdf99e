// What the holder of a task does with it: start, complete (unblocking dependents), fail, release.
import type { Slot, Task } from '../model.js';
import { ask, type Ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { CompleteTaskInputSchema, FailTaskInputSchema, ReleaseTaskInputSchema, StartTaskInputSchema } from '../schemas.js';
import { BACK_TO_QUEUE, assertHolder, clip, extendLease, taskNotFound, vacateSlot, type Action } from './transitions.js';

export type ParsedStartTask = z.output<typeof StartTaskInputSchema>;
export type ParsedCompleteTask = z.output<typeof CompleteTaskInputSchema>;
export type ParsedFailTask = z.output<typeof FailTaskInputSchema>;
export type ParsedReleaseTask = z.output<typeof ReleaseTaskInputSchema>;

export interface TaskResult {
  task: Task;
}

export interface CompleteResult extends TaskResult {
  /** Dependents that became available in the same step. */
  unblocked: string[];
}

interface Held {
  task: Task;
  slot: Slot | null;
}

function* loadTask(project: string, taskId: string): Ask<Task> {
  const [task] = yield* ask({ kind: 'tasks', project, ids: [taskId] });
  if (!task) throw taskNotFound(taskId, project);
  return task;
}

/** Loads the task and its slot, fenced: only the current holder gets past. */
function* loadHeld(task: Task, worker: string, action: Action): Ask<Held> {
  assertHolder(task, worker, action);
  const slot = task.slot === null ? null : yield* ask({ kind: 'slot', project: task.project, slot: task.slot });
  return { task, slot };
}

export function* startTask(ctx: RuleContext, input: ParsedStartTask): Program<TaskResult> {
  const changes = new ChangeSet(ctx.now);
  const { task, slot } = yield* loadHeld(yield* loadTask(input.project ?? 'default', input.taskId), input.workerId, 'start');
  const lease = extendLease(task.leaseExpiresAt, ctx);
  if (slot) changes.putSlot({ ...slot, leaseExpiresAt: Math.max(slot.leaseExpiresAt, lease), lastSeenAt: ctx.now });
  if (task.status === 'working') {
    // Saying "working" again is a retry or a keep-alive: renew, no event.
    return { result: { task: changes.updateTask(task, { leaseExpiresAt: lease }) }, change: changes.build() };
  }
  const started = changes.updateTask(task, { status: 'working', startedAt: ctx.now, leaseExpiresAt: lease });
  changes.event('task.started', task.project, { taskId: task.id, workerId: input.workerId, slot: task.slot }, { from: task.status, to: 'working' });
  return { result: { task: started }, change: changes.build() };
}

export function* completeTask(ctx: RuleContext, input: ParsedCompleteTask): Program<CompleteResult> {
  const project = input.project ?? 'default';
  const changes = new ChangeSet(ctx.now);
  const current = yield* loadTask(project, input.taskId);
  if (current.status === 'done' && current.worker === input.workerId) {
    // The same holder completing again: its first call committed and the answer was lost.
    return { result: { task: current, unblocked: [] }, change: changes.build() };
  }
  const { task, slot } = yield* loadHeld(current, input.workerId, 'complete');
  const done = changes.updateTask(task, {
    status: 'done',
    output: input.output === undefined ? task.output : input.output,
    error: null,
    slot: null,
    leaseExpiresAt: null,
    completedAt: ctx.now,
  });
  vacateSlot(changes, ctx, slot, task.id, true);

  // Unblock, in this same step, every dependent whose dependencies are now all done.
  // In id order, so every store reports `unblocked` the same way.
  const blocked = (yield* ask({ kind: 'dependents', project, id: task.id, status: 'blocked' })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const unblocked: string[] = [];
  if (blocked.length) {
    const deps = [...new Set(blocked.flatMap((d) => d.dependencies))].filter((id) => id !== task.id);
    // No hold here: the dependents are locked already, so completers of one dependent take turns
    // and the last one sees every other dependency done (holding them would deadlock fan-ins).
    const statuses = deps.length ? yield* ask({ kind: 'statuses', project, ids: deps, hold: false }) : new Map();
    for (const dependent of blocked) {
      if (dependent.dependencies.every((d) => d === task.id || statuses.get(d) === 'done')) {
        changes.updateTask(dependent, { status: 'available' });
        changes.event('task.unblocked', project, { taskId: dependent.id }, { from: 'blocked', to: 'available', by: task.id });
        unblocked.push(dependent.id);
      }
    }
  }
  changes.event(
    'task.completed',
    project,
    { taskId: task.id, workerId: input.workerId, slot: task.slot },
    { from: task.status, to: 'done', unblocked },
  );
  return { result: { task: done, unblocked }, change: changes.build() };
}

export function* failTask(ctx: RuleContext, input: ParsedFailTask): Program<TaskResult> {
  const project = input.project ?? 'default';
  const changes = new ChangeSet(ctx.now);
  const current = yield* loadTask(project, input.taskId);
  if (current.status === 'failed' && current.worker === input.workerId) {
    return { result: { task: current }, change: changes.build() };
  }
  const { task, slot } = yield* loadHeld(current, input.workerId, 'fail');
  const attempts = task.attempts + 1;
  const error = input.error ?? null;
  const retry = input.retry === true && attempts < task.maxAttempts;
  const ids = { taskId: task.id, workerId: input.workerId, slot: task.slot };
  let next: Task;
  if (retry) {
    next = changes.updateTask(task, { status: 'available', attempts, error, ...BACK_TO_QUEUE });
    changes.event('task.retrying', project, ids, { from: task.status, to: 'available', attempts, error: clip(error) });
  } else {
    const reason = input.retry === true ? `failed ${attempts} time(s); no attempts left (maxAttempts ${task.maxAttempts})` : 'failed';
    next = changes.updateTask(task, { status: 'failed', attempts, error, slot: null, leaseExpiresAt: null, completedAt: ctx.now });
    changes.event('task.failed', project, ids, { from: task.status, to: 'failed', attempts, error: clip(error), reason });
  }
  vacateSlot(changes, ctx, slot, task.id, true);
  return { result: { task: next }, change: changes.build() };
}

export function* releaseTask(ctx: RuleContext, input: ParsedReleaseTask): Program<TaskResult> {
  const project = input.project ?? 'default';
  const changes = new ChangeSet(ctx.now);
  const { task, slot } = yield* loadHeld(yield* loadTask(project, input.taskId), input.workerId, 'release');
  const released = changes.updateTask(task, { status: 'available', ...BACK_TO_QUEUE });
  vacateSlot(changes, ctx, slot, task.id, true);
  changes.event(
    'task.released',
    project,
    { taskId: task.id, workerId: input.workerId, slot: task.slot },
    { from: task.status, to: 'available', reason: input.reason ?? 'released by its holder' },
  );
  return { result: { task: released }, change: changes.build() };
}
