// What a human or supervisor does to tasks: reset, cancel, edit, clean-all.
import { isActive, type Task } from '../model.js';
import { ask, type Ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type {
  CancelTaskInputSchema,
  CleanAllInputSchema,
  EditTaskInputSchema,
  ResetTaskInputSchema,
} from '../schemas.js';
import { BACK_TO_QUEUE, allows, dependencyMet, invalidTransition, taskNotFound, vacateSlot } from './transitions.js';
import type { TaskResult } from './holder.js';
import { findConflicts, nearOf } from '../files/conflicts.js';
import { filesConflict } from './reservations.js';

export type ParsedResetTask = z.output<typeof ResetTaskInputSchema>;
export type ParsedCancelTask = z.output<typeof CancelTaskInputSchema>;
export type ParsedCleanAll = z.output<typeof CleanAllInputSchema>;
export type ParsedEditTask = z.output<typeof EditTaskInputSchema>;

const invalid = invalidTransition;

/** failed|cancelled → available (or blocked while a dependency is not done), attempts back to 0, output kept. */
export function* resetTask(ctx: RuleContext, input: ParsedResetTask): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const [task] = yield* ask({ kind: 'tasks', project, ids: [input.taskId] });
  if (!task) throw taskNotFound(input.taskId, project);
  if (!allows('reset', task.status)) throw invalid(task, 'reset');
  return { result: { task: yield* resetOne(changes, project, task) }, change: changes.build() };
}

/** Resets one task the caller loaded and checked (`allows('reset', …)`): reset and the batch reset. */
export function* resetOne(changes: ChangeSet, project: string, task: Task): Ask<Task> {
  const statuses = task.dependencies.length
    ? yield* ask({ kind: 'statuses', project, ids: task.dependencies, hold: true })
    : new Map();
  const status = task.dependencies.every((d) => dependencyMet(statuses.get(d))) ? 'available' : 'blocked';
  const reset = changes.updateTask(task, {
    status,
    attempts: 0,
    error: null,
    // The output stays: what an earlier attempt produced is where the next one starts (as the original kept it).
    completedAt: null,
    ...BACK_TO_QUEUE,
  });
  changes.event('task.reset', project, { taskId: task.id }, { from: task.status, to: status });
  return reset;
}

/** Any non-terminal task → cancelled; a holder loses it (its next call gets LEASE_LOST). */
export function* cancelTask(ctx: RuleContext, input: ParsedCancelTask): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const [task] = yield* ask({ kind: 'tasks', project, ids: [input.taskId] });
  if (!task) throw taskNotFound(input.taskId, project);
  if (!allows('cancel', task.status)) throw invalid(task, 'cancel');
  if (isActive(task.status) && task.slot !== null) {
    vacateSlot(changes, ctx, yield* ask({ kind: 'slot', project, slot: task.slot }), task.id, false);
  }
  const cancelled = changes.updateTask(task, { status: 'cancelled', completedAt: ctx.now, ...BACK_TO_QUEUE });
  changes.event(
    'task.cancelled',
    project,
    { taskId: task.id, workerId: isActive(task.status) ? task.worker : null, slot: task.slot },
    { from: task.status, to: 'cancelled', reason: input.reason ?? null },
  );
  return { result: { task: cancelled }, change: changes.build() };
}

export interface CleanAllResult {
  removed: number;
  slotsFreed: number;
}

/** Removes every task of the project and frees every slot. Admin only; events keep the record. */
export function* cleanAll(ctx: RuleContext, input: ParsedCleanAll): Program<CleanAllResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const removed = yield* ask({ kind: 'countTasks', project });
  const held = yield* ask({ kind: 'heldSlotNumbers', project });
  changes.deleteProject(project);
  for (const slot of held) changes.deleteSlot(project, slot);
  changes.event('tasks.cleaned', project, {}, { removed, slotsFreed: held.length });
  return { result: { removed, slotsFreed: held.length }, change: changes.build() };
}

const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();

/**
 * Changes what a task is (description, priority, labels, deadline, maxAttempts, files), not where it
 * is: the status stays. A finished task is history and cannot be edited. A held task may declare new
 * files only where no other worker holds them (FILES_CONFLICT, as reserving would be refused).
 */
export function* editTask(ctx: RuleContext, input: ParsedEditTask): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const [task] = yield* ask({ kind: 'tasks', project, ids: [input.taskId] });
  if (!task) throw taskNotFound(input.taskId, project);
  if (!allows('edit', task.status)) throw invalid(task, 'edit');
  const patch: Partial<Task> = {};
  if (input.description !== undefined && input.description !== task.description) patch.description = input.description;
  if (input.priority !== undefined && input.priority !== task.priority) patch.priority = input.priority;
  if (input.labels !== undefined) {
    const labels = sortedUnique(input.labels);
    if (labels.join('\n') !== task.labels.join('\n')) patch.labels = labels;
  }
  if (input.deadline !== undefined && input.deadline !== task.deadline) patch.deadline = input.deadline;
  if (input.maxAttempts !== undefined && input.maxAttempts !== task.maxAttempts) patch.maxAttempts = input.maxAttempts;
  if (input.files !== undefined && input.files.join('\n') !== task.files.join('\n')) patch.files = input.files;
  if (Object.keys(patch).length === 0) return { result: { task }, change: changes.build() };
  if (patch.files && isActive(task.status) && task.worker !== null) {
    // A held task's declared files are its holder's (exclusive) holdings: new ones must not take what another holds.
    const added = patch.files.filter((pattern) => !task.files.includes(pattern));
    if (added.length) {
      const holdings = yield* ask({ kind: 'holdings', project, near: nearOf(added) });
      const conflicts = findConflicts(added, 'exclusive', holdings, task.worker);
      if (conflicts.length) throw filesConflict(`cannot declare files for held task ${task.id}`, conflicts);
    }
  }
  const edited = changes.updateTask(task, patch);
  changes.event('task.edited', project, { taskId: task.id }, { ...patch, fields: Object.keys(patch) });
  return { result: { task: edited }, change: changes.build() };
}
