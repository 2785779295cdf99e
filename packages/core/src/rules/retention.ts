// Retention of finished tasks: which ones a pass may remove, and in which order, decided here once.
//
// A task may go when its status allows `prune` (TRANSITIONS: done, cancelled), it last changed
// before the cutoff, and no remaining task depends on it: nothing left ever names a missing
// dependency, so a finished chain goes leaf first, over successive passes. Oldest change first, then
// creation order, so every store removes the same tasks in the same order (the contract suite checks).
// Stores answer the `prunableTasks` load by walking their `tasks_finished` index in this order.
import type { Instant, Task } from '../model.js';
import type { RuleContext } from '../config.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import { TRANSITIONS } from './transitions.js';

/** Compares two finished tasks in retention order (negative: `a` goes first). `ord` is creation order. */
export function compareRetentionOrder(a: { task: Task; ord: number }, b: { task: Task; ord: number }): number {
  return a.task.updatedAt - b.task.updatedAt || a.ord - b.ord;
}

export interface PruneTasksInput {
  /** Tasks last changed at or after this instant stay. */
  before: Instant;
  /** At most this many tasks go in one pass. */
  limit: number;
}

/** One retention pass over finished tasks; the result is how many it removes. */
export function* pruneTasks(ctx: RuleContext, input: PruneTasksInput): Program<number> {
  const changes = new ChangeSet(ctx.now);
  const doomed = yield* ask({
    kind: 'prunableTasks',
    statuses: TRANSITIONS.prune,
    before: input.before,
    limit: input.limit,
  });
  for (const task of doomed) changes.deleteTask(task);
  return { result: doomed.length, change: changes.build() };
}
