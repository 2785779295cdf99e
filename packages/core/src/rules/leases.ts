// Lease expiry, run by the sweeper: a silent holder loses its claim and slot after one TTL.
//
// Expiry counts an attempt; at maxAttempts the task is dead-lettered to `failed` with the reason,
// so a task that kills its agent every time ends instead of looping forever. A claim whose lease
// has run out still stands until a sweep expires it (renewals before that keep it): the sweep is
// the single place a claim is lost, and its conditional update makes it safe with several sweepers.
import { isActive, type Task } from '../model.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import { BACK_TO_QUEUE, vacateSlot } from './transitions.js';

export interface ExpireResult {
  /** Tasks put back in the queue. */
  requeued: string[];
  /** Tasks dead-lettered to failed. */
  failed: string[];
  /** Slots freed, as `project/slot`. */
  slots: Array<{ project: string; slot: number }>;
}

/** Expires one task whose holder went silent. */
function expire(changes: ChangeSet, ctx: RuleContext, task: Task, result: ExpireResult, why: string): void {
  const attempts = task.attempts + 1;
  const ids = { taskId: task.id, workerId: task.worker, slot: task.slot };
  if (attempts >= task.maxAttempts) {
    const reason = `lease expired ${attempts} time(s) (maxAttempts ${task.maxAttempts}): ${why}`;
    // worker is cleared: the holder lost the task, so its late fail/complete must get LEASE_LOST.
    changes.updateTask(task, {
      status: 'failed',
      attempts,
      error: reason,
      worker: null,
      slot: null,
      leaseExpiresAt: null,
      completedAt: ctx.now,
      question: null,
    });
    changes.event('task.expired', task.project, ids, { from: task.status, to: 'failed', attempts, reason });
    result.failed.push(task.id);
  } else {
    changes.updateTask(task, { status: 'available', attempts, ...BACK_TO_QUEUE });
    changes.event('task.expired', task.project, ids, { from: task.status, to: 'available', attempts, reason: why });
    result.requeued.push(task.id);
  }
}

export function* expireLeases(ctx: RuleContext, input: { limit?: number | undefined }): Program<ExpireResult> {
  const limit = input.limit ?? 500;
  const changes = new ChangeSet(ctx.now);
  const result: ExpireResult = { requeued: [], failed: [], slots: [] };

  for (const task of yield* ask({ kind: 'expiredTasks', now: ctx.now, limit })) {
    const slot = task.slot === null ? null : yield* ask({ kind: 'slot', project: task.project, slot: task.slot });
    vacateSlot(changes, ctx, slot, task.id, false);
    expire(changes, ctx, task, result, `no heartbeat from ${task.worker ?? 'its holder'} for the lease TTL`);
  }

  for (const slot of yield* ask({ kind: 'expiredSlots', now: ctx.now, limit })) {
    const pending = changes.pendingSlot(slot.project, slot.slot);
    const current = pending === undefined || pending === 'free' ? slot : pending;
    if (current.taskId !== null && !changes.pendingTask(current.taskId)) {
      // The slot's lease covers its task's, so this is rare: a task lease renewed apart from its slot.
      const [task] = yield* ask({ kind: 'tasks', project: slot.project, ids: [current.taskId] });
      if (task && isActive(task.status) && task.slot === slot.slot)
        expire(changes, ctx, task, result, 'its worker slot expired');
    }
    changes.deleteSlot(slot.project, slot.slot);
    changes.event('slot.expired', slot.project, { workerId: slot.worker, slot: slot.slot }, { taskId: current.taskId });
    result.slots.push({ project: slot.project, slot: slot.slot });
  }
  return { result, change: changes.build() };
}
