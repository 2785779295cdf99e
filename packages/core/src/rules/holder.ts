// What the holder of a task does with it: start, complete (unblocking dependents), fail, release.
import { DomainError } from '../errors.js';
import type { Slot, Task } from '../model.js';
import { ask, type Ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type {
  CompleteTaskInputSchema,
  FailTaskInputSchema,
  ReleaseTaskInputSchema,
  StartTaskInputSchema,
} from '../schemas.js';
import {
  BACK_TO_QUEUE,
  assertHolder,
  clip,
  extendLease,
  freeSlot,
  loadTask,
  unblockDependents,
  vacateSlot,
  type Action,
} from './transitions.js';

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

/** A finished task's holder repeating the call with other content: INVALID_TRANSITION showing what is stored. */
function repeatDiffers(task: Task, action: 'complete' | 'fail', stored: Record<string, unknown>): DomainError {
  const field = Object.keys(stored)[0] as string;
  return new DomainError(
    'INVALID_TRANSITION',
    `task ${task.id} is already ${task.status} with a different ${field}: a repeated ${action} must carry the same ${field} (it is stored as shown in details.stored)`,
    { taskId: task.id, status: task.status, stored },
  );
}

/** Loads the task and its slot, fenced: only the current holder gets past. */
function* loadHeld(task: Task, worker: string, action: Action): Ask<Held> {
  assertHolder(task, worker, action);
  const slot = task.slot === null ? null : yield* ask({ kind: 'slot', project: task.project, slot: task.slot });
  return { task, slot };
}

export function* startTask(ctx: RuleContext, input: ParsedStartTask): Program<TaskResult> {
  const changes = new ChangeSet(ctx.now);
  const { task, slot } = yield* loadHeld(yield* loadTask(input.project, input.taskId), input.workerId, 'start');
  const lease = extendLease(task.leaseExpiresAt, ctx);
  if (slot) changes.putSlot({ ...slot, leaseExpiresAt: Math.max(slot.leaseExpiresAt, lease), lastSeenAt: ctx.now });
  const progress = input.progress ?? task.progress;
  if (task.status === 'working' || task.status === 'waiting') {
    // Saying "working" again is a retry or a keep-alive: renew, no event unless the progress line
    // changed. A waiting task stays waiting: its question is still open for a person.
    const renewed = changes.updateTask(task, { leaseExpiresAt: lease, progress });
    if (progress !== task.progress) {
      changes.event(
        'task.progress',
        task.project,
        { taskId: task.id, workerId: input.workerId, slot: task.slot },
        { status: task.status, progress },
      );
    }
    return { result: { task: renewed }, change: changes.build() };
  }
  const started = changes.updateTask(task, { status: 'working', startedAt: ctx.now, leaseExpiresAt: lease, progress });
  changes.event(
    'task.started',
    task.project,
    { taskId: task.id, workerId: input.workerId, slot: task.slot },
    { from: task.status, to: 'working', ...(input.progress === undefined ? {} : { progress }) },
  );
  return { result: { task: started }, change: changes.build() };
}

export function* completeTask(ctx: RuleContext, input: ParsedCompleteTask): Program<CompleteResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const current = yield* loadTask(project, input.taskId);
  if ((current.status === 'done' || current.status === 'review') && current.worker === input.workerId) {
    // The same holder completing again: its first call committed and the answer was lost. The same
    // content is that retry; other content is refused with what is stored, as add's TASK_EXISTS is.
    if (input.output !== undefined && input.output !== current.output)
      throw repeatDiffers(current, 'complete', { output: current.output });
    return { result: { task: current, unblocked: [] }, change: changes.build() };
  }
  const { task, slot } = yield* loadHeld(current, input.workerId, 'complete');
  const output = input.output === undefined ? task.output : input.output;
  if (task.review) {
    // The gate: the slot is freed (the agent moves on), the dependents stay blocked until a
    // person approves. `worker` stays: who did the work, whom a rejection is about.
    const waiting = changes.updateTask(task, {
      status: 'review',
      output,
      error: null,
      slot: null,
      leaseExpiresAt: null,
      question: null,
    });
    if (input.releaseSlot === true) freeSlot(changes, slot, task.id);
    else vacateSlot(changes, ctx, slot, task.id, true);
    changes.event(
      'task.review_requested',
      project,
      { taskId: task.id, workerId: input.workerId, slot: task.slot },
      { from: task.status, to: 'review', output: clip(output) },
    );
    return { result: { task: waiting, unblocked: [] }, change: changes.build() };
  }
  const done = changes.updateTask(task, {
    status: 'done',
    output,
    error: null,
    slot: null,
    leaseExpiresAt: null,
    completedAt: ctx.now,
    question: null,
  });
  if (input.releaseSlot !== true) vacateSlot(changes, ctx, slot, task.id, true);
  const unblocked = yield* unblockDependents(changes, project, task);
  changes.event(
    'task.completed',
    project,
    { taskId: task.id, workerId: input.workerId, slot: task.slot },
    { from: task.status, to: 'done', unblocked },
  );
  if (input.releaseSlot === true) freeSlot(changes, slot, task.id);
  return { result: { task: done, unblocked }, change: changes.build() };
}

export function* failTask(ctx: RuleContext, input: ParsedFailTask): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const current = yield* loadTask(project, input.taskId);
  if (current.status === 'failed' && current.worker === input.workerId) {
    if ((input.error ?? null) !== current.error) throw repeatDiffers(current, 'fail', { error: current.error });
    return { result: { task: current }, change: changes.build() };
  }
  const { task, slot } = yield* loadHeld(current, input.workerId, 'fail');
  const attempts = task.attempts + 1;
  const error = input.error ?? null;
  const output = input.output === undefined ? task.output : input.output;
  const retry = input.retry === true && attempts < task.maxAttempts;
  const ids = { taskId: task.id, workerId: input.workerId, slot: task.slot };
  let next: Task;
  if (retry) {
    next = changes.updateTask(task, { status: 'available', attempts, error, output, ...BACK_TO_QUEUE });
    changes.event('task.retrying', project, ids, { from: task.status, to: 'available', attempts, error: clip(error) });
  } else {
    const reason =
      input.retry === true
        ? `failed ${attempts} time(s); no attempts left (maxAttempts ${task.maxAttempts})`
        : 'failed';
    next = changes.updateTask(task, {
      status: 'failed',
      attempts,
      error,
      output,
      slot: null,
      leaseExpiresAt: null,
      completedAt: ctx.now,
      question: null,
    });
    changes.event('task.failed', project, ids, {
      from: task.status,
      to: 'failed',
      attempts,
      error: clip(error),
      reason,
    });
  }
  if (input.releaseSlot === true) freeSlot(changes, slot, task.id);
  else vacateSlot(changes, ctx, slot, task.id, true);
  return { result: { task: next }, change: changes.build() };
}

export function* releaseTask(ctx: RuleContext, input: ParsedReleaseTask): Program<TaskResult> {
  const { project } = input;
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
