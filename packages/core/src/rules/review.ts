// The review gate: a gated task's "done" waits in `review` until a person approves or rejects it.
//
// approve: review → done, dependents unblocked in this same step (as a plain complete does).
// reject:  review → available, the reviewer's note attached for the next holder; no attempt counted.
import type { TaskNote } from '../model.js';
import type { Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { ApproveTaskInputSchema, RejectTaskInputSchema } from '../schemas.js';
import { BACK_TO_QUEUE, allows, clip, invalidTransition, loadTask, unblockDependents } from './transitions.js';
import type { CompleteResult, TaskResult } from './holder.js';
import { withNote } from './notes.js';

export type ParsedApproveTask = z.output<typeof ApproveTaskInputSchema>;
export type ParsedRejectTask = z.output<typeof RejectTaskInputSchema>;

export function* approveTask(ctx: RuleContext, input: ParsedApproveTask): Program<CompleteResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  if (!allows('approve', task.status)) throw invalidTransition(task, 'approve');
  const note: TaskNote | null =
    input.note === undefined ? null : { at: ctx.now, author: input.by ?? null, kind: 'note', text: input.note };
  const done = changes.updateTask(task, {
    status: 'done',
    completedAt: ctx.now,
    ...(note ? { notes: withNote(task, note) } : {}),
  });
  const unblocked = yield* unblockDependents(changes, project, task);
  changes.event(
    'task.approved',
    project,
    { taskId: task.id, workerId: task.worker, slot: null },
    { from: 'review', to: 'done', unblocked, by: input.by ?? null, note: clip(input.note) },
  );
  return { result: { task: done, unblocked }, change: changes.build() };
}

export function* rejectTask(ctx: RuleContext, input: ParsedRejectTask): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  if (!allows('reject', task.status)) throw invalidTransition(task, 'reject');
  const note: TaskNote = { at: ctx.now, author: input.by ?? null, kind: 'rejection', text: input.note };
  const back = changes.updateTask(task, { status: 'available', notes: withNote(task, note), ...BACK_TO_QUEUE });
  changes.event(
    'task.rejected',
    project,
    { taskId: task.id, workerId: task.worker, slot: null },
    { from: 'review', to: 'available', by: input.by ?? null, note: clip(input.note) },
  );
  return { result: { task: back }, change: changes.build() };
}
