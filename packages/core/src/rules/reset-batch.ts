// Batch reset: many failed or cancelled tasks back to the queue in one atomic step (the dashboard's
// "Reset all failed"). Each task is reset by the same rule as a single reset (`resetOne`); a task
// that is not resettable any more (someone reset or cancelled it meanwhile, or it is gone) is
// skipped and named in the answer, so the people's intent "reset these" never half-fails.
import type { Task, TaskStatus } from '../model.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { ResetTasksInputSchema } from '../schemas.js';
import { allows } from './transitions.js';
import { resetOne } from './admin.js';

export type ParsedResetTasks = z.output<typeof ResetTasksInputSchema>;

export interface ResetTasksResult {
  /** The tasks reset, in the order asked. */
  tasks: Task[];
  /** The ids asked for that were not reset: their status now (null: no such task). */
  skipped: Array<{ taskId: string; status: TaskStatus | null }>;
}

export function* resetTasks(ctx: RuleContext, input: ParsedResetTasks): Program<ResetTasksResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const ids = [...new Set(input.taskIds)];
  const found = new Map((yield* ask({ kind: 'tasks', project, ids })).map((task) => [task.id, task] as const));
  const tasks: Task[] = [];
  const skipped: ResetTasksResult['skipped'] = [];
  for (const id of ids) {
    const task = found.get(id);
    if (!task || !allows('reset', task.status)) skipped.push({ taskId: id, status: task?.status ?? null });
    else tasks.push(yield* resetOne(changes, project, task));
  }
  return { result: { tasks, skipped }, change: changes.build() };
}
