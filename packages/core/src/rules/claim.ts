// claim (a named task) and claim-next (the best available task), each one atomic step.
//
// Claim order, the one rule every store's ready-set index must reproduce:
//   priority descending, then deadline ascending with "no deadline" last, then creation order.
import { DomainError } from '../errors.js';
import { isActive, type Slot, type Task } from '../model.js';
import { ask, type Ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { ClaimNextInputSchema, ClaimTaskInputSchema } from '../schemas.js';
import { allows, applyClaim, dependencyMet, taskNotFound } from './transitions.js';
import { renewWorker, takeFreeSlot } from './slots.js';
import { handoffOf, type Handoff } from './notes.js';
import { findConflicts, nearOf } from '../files/conflicts.js';
import { filesConflict } from './reservations.js';
import { nextFree } from './claim-files.js';

export { MAX_FILE_SKIPS } from './claim-files.js';

export type ParsedClaimTask = z.output<typeof ClaimTaskInputSchema>;
export type ParsedClaimNext = z.output<typeof ClaimNextInputSchema>;

/** Sort key of "no deadline": after every real deadline. Stores index the same key. */
export const NO_DEADLINE_KEY = 8_640_000_000_000_000;

/** Compares two available tasks in claim order (negative: `a` goes first). `ord` is creation order. */
export function compareClaimOrder(a: { task: Task; ord: number }, b: { task: Task; ord: number }): number {
  return (
    b.task.priority - a.task.priority ||
    (a.task.deadline ?? NO_DEADLINE_KEY) - (b.task.deadline ?? NO_DEADLINE_KEY) ||
    a.ord - b.ord
  );
}

export interface ClaimResult {
  task: Task;
  slot: number;
  /** True when the worker already held this task: a retried call gets the same claim back. */
  resumed: boolean;
  /** Where the last holder stopped: progress, the newest notes (bounded), the last answer. */
  handoff: Handoff;
}

/** Explains why a task cannot be claimed: blocked by whom, held by whom, or finished. */
function* notClaimable(task: Task): Ask<never> {
  const details: Record<string, unknown> = { taskId: task.id, status: task.status };
  let why: string;
  if (task.status === 'blocked') {
    const statuses = yield* ask({ kind: 'statuses', project: task.project, ids: task.dependencies, hold: false });
    const waiting = task.dependencies.filter((d) => !dependencyMet(statuses.get(d)));
    details.blockedBy = waiting;
    why = `it is blocked by ${waiting.slice(0, 10).join(', ')}${waiting.length > 10 ? ` and ${waiting.length - 10} more` : ''} (not done yet)`;
  } else if (isActive(task.status)) {
    details.holder = task.worker;
    why = `it is already ${task.status} by ${task.worker ?? 'another worker'}`;
  } else if (allows('reset', task.status)) {
    why = `it is ${task.status}; reset it first`;
  } else {
    why = `it is already ${task.status}`;
  }
  throw new DomainError('NOT_CLAIMABLE', `task ${task.id} cannot be claimed: ${why}`, details);
}

/** The named slot, which `worker` must hold (an anonymous slot of an original client counts). */
function* heldSlot(project: string, worker: string, number: number): Ask<Slot> {
  const slot = yield* ask({ kind: 'slot', project, slot: number });
  if (!slot || (slot.worker !== null && slot.worker !== worker)) {
    throw new DomainError(
      'SLOT_NOT_HELD',
      slot
        ? `slot ${number} is held by ${slot.worker}, not by ${worker}`
        : `slot ${number} is not held; claim a worker slot first`,
      { slot: number, holder: slot?.worker ?? null },
    );
  }
  return slot;
}

function slotBusy(slot: Slot): DomainError {
  return new DomainError(
    'SLOT_BUSY',
    `slot ${slot.slot} already holds task ${slot.taskId}; finish or release it first`,
    {
      slot: slot.slot,
      taskId: slot.taskId,
    },
  );
}

/** The claim `worker` already has in `slot`, renewed, for a retried call; otherwise SLOT_BUSY. */
function* resume(ctx: RuleContext, changes: ChangeSet, slot: Slot, worker: string): Ask<ClaimResult> {
  const [task] = yield* ask({ kind: 'tasks', project: slot.project, ids: [slot.taskId as string] });
  if (!task || !isActive(task.status) || task.worker !== worker || task.slot !== slot.slot) throw slotBusy(slot);
  renewWorker(ctx, changes, [slot], [task]);
  const renewed = changes.pendingTask(task.id) ?? task;
  return { task: renewed, slot: slot.slot, resumed: true, handoff: handoffOf(renewed) };
}

export function* claimTask(ctx: RuleContext, input: ParsedClaimTask): Program<ClaimResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const [task] = yield* ask({ kind: 'tasks', project, ids: [input.taskId] });
  if (!task) throw taskNotFound(input.taskId, project);
  const slot = yield* heldSlot(project, input.workerId, input.slot);
  if (slot.taskId !== null) {
    if (slot.taskId !== task.id) throw slotBusy(slot);
    return { result: yield* resume(ctx, changes, slot, input.workerId), change: changes.build() };
  }
  if (!allows('claim', task.status)) yield* notClaimable(task);
  if (task.files.length) {
    const holdings = yield* ask({ kind: 'holdings', project, near: nearOf(task.files) });
    const conflicts = findConflicts(task.files, 'exclusive', holdings, input.workerId);
    if (conflicts.length) throw filesConflict(`cannot claim task ${task.id}: its files are held`, conflicts);
  }
  const claimed = applyClaim(changes, ctx, task, slot, input.workerId, input.leaseTtlMs ?? ctx.config.leaseTtlMs);
  return {
    result: { task: claimed, slot: slot.slot, resumed: false, handoff: handoffOf(claimed) },
    change: changes.build(),
  };
}

/** Returns null (and changes nothing but the worker's leases) when no task is available. */
export function* claimNextTask(ctx: RuleContext, input: ParsedClaimNext): Program<ClaimResult | null> {
  const { project } = input;
  const worker = input.workerId;
  const changes = new ChangeSet(ctx.now);

  let slot: Slot | null;
  let mine: Slot[];
  if (input.slot !== undefined) {
    slot = yield* heldSlot(project, worker, input.slot);
    mine = [slot];
  } else {
    mine = yield* ask({ kind: 'workerSlots', project, worker });
    slot = mine.find((s) => s.taskId === null) ?? null;
  }
  // A worker whose slot already holds its task gets that task again: retries never double-claim.
  const busy = mine.find((s) => s.taskId !== null);
  if (busy && (input.slot !== undefined || slot === null)) {
    return { result: yield* resume(ctx, changes, busy, worker), change: changes.build() };
  }

  const task = yield* nextFree(project, worker, input.labels?.length ? input.labels : null, ctx.claimHints);
  if (!task) {
    renewWorker(ctx, changes, mine, []);
    return { result: null, change: changes.build() };
  }
  const ttl = input.leaseTtlMs ?? ctx.config.leaseTtlMs;
  if (!slot) {
    slot = (yield* takeFreeSlot(ctx, changes, project, worker, ttl)).slot;
    // A concurrent call of this same worker took a slot and a task meanwhile: that claim stands.
    if (slot.taskId !== null) return { result: yield* resume(ctx, changes, slot, worker), change: changes.build() };
  }
  const claimed = applyClaim(changes, ctx, task, slot, worker, ttl);
  return {
    result: { task: claimed, slot: slot.slot, resumed: false, handoff: handoffOf(claimed) },
    change: changes.build(),
  };
}
