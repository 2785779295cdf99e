// Worker slots as leases: claim (lowest free, same worker → same slot), release, heartbeat.
import { DomainError } from '../errors.js';
import { isActive, type Slot, type Task } from '../model.js';
import { ask, type Ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import { slotsFor, type RuleContext } from '../config.js';
import type { z } from 'zod';
import type { ClaimSlotInputSchema, HeartbeatInputSchema, ReleaseSlotInputSchema } from '../schemas.js';
import { BACK_TO_QUEUE, extendLease } from './transitions.js';

export type ParsedClaimSlot = z.output<typeof ClaimSlotInputSchema>;
export type ParsedReleaseSlot = z.output<typeof ReleaseSlotInputSchema>;
export type ParsedHeartbeat = z.output<typeof HeartbeatInputSchema>;

/**
 * Takes the lowest free slot of the project for `worker` (null: an original client's anonymous
 * slot). A slot in `avoid` is taken only when no other is free.
 */
export function* takeFreeSlot(
  ctx: RuleContext,
  changes: ChangeSet,
  project: string,
  worker: string | null,
  ttlMs: number,
  avoid: readonly number[] = [],
): Ask<{ slot: Slot; created: boolean }> {
  const held = new Set(yield* ask({ kind: 'heldSlotNumbers', project }));
  if (worker !== null) {
    // Takers of new slots queue (a store may serialise them here): a retried call of the same
    // worker that got in first has a slot now, and this call uses that one, not a second.
    const [mine] = yield* ask({ kind: 'workerSlots', project, worker });
    if (mine) return { slot: mine, created: false };
  }
  let number = 0;
  const total = slotsFor(ctx.config, project);
  const avoided = new Set(avoid);
  for (let n = 1; n <= total; n++) {
    if (held.has(n)) continue;
    if (number === 0) number = n;
    if (!avoided.has(n)) {
      number = n;
      break;
    }
  }
  if (number === 0) {
    throw new DomainError(
      'NO_FREE_SLOT',
      `all ${total} worker slots of project ${project} are taken; wait for one to be released`,
      {
        slots: total,
        project,
      },
    );
  }
  const slot: Slot = {
    project,
    slot: number,
    worker,
    taskId: null,
    leaseExpiresAt: ctx.now + ttlMs,
    claimedAt: ctx.now,
    lastSeenAt: ctx.now,
  };
  changes.insertSlot(slot);
  changes.event('slot.claimed', project, { workerId: worker, slot: number }, { leaseExpiresAt: slot.leaseExpiresAt });
  return { slot, created: true };
}

/**
 * Renews the leases of `worker`: the tasks it holds and the slots holding them. An empty slot is
 * not renewed: slots cap how many agents *work* at once, so an agent that sits idle gives its slot
 * up after one TTL instead of starving the others (it gets one again when it claims).
 */
export function renewWorker(
  ctx: RuleContext,
  changes: ChangeSet,
  slots: readonly Slot[],
  tasks: readonly Task[],
): number {
  let until = 0;
  for (const slot of slots) {
    if (slot.taskId === null) continue;
    const renewed = changes.putSlot({
      ...slot,
      leaseExpiresAt: extendLease(slot.leaseExpiresAt, ctx),
      lastSeenAt: ctx.now,
    });
    until = Math.max(until, renewed.leaseExpiresAt);
  }
  for (const task of tasks) {
    const renewed = changes.updateTask(task, { leaseExpiresAt: extendLease(task.leaseExpiresAt, ctx) });
    until = Math.max(until, renewed.leaseExpiresAt ?? 0);
  }
  return until;
}

export interface SlotResult {
  slot: Slot;
  /** False when the worker already held this slot (a retried call). */
  created: boolean;
}

export function* claimSlot(ctx: RuleContext, input: ParsedClaimSlot): Program<SlotResult> {
  const { project } = input;
  const worker = input.workerId ?? null;
  const changes = new ChangeSet(ctx.now);
  if (worker !== null) {
    const [mine] = yield* ask({ kind: 'workerSlots', project, worker });
    if (mine) {
      const renewed = changes.putSlot({
        ...mine,
        leaseExpiresAt: extendLease(mine.leaseExpiresAt, ctx, input.leaseTtlMs),
        lastSeenAt: ctx.now,
      });
      return { result: { slot: renewed, created: false }, change: changes.build() };
    }
  }
  const ttl = input.leaseTtlMs ?? ctx.config.leaseTtlMs;
  const taken = yield* takeFreeSlot(ctx, changes, project, worker, ttl, input.avoidSlots);
  return { result: taken, change: changes.build() };
}

export interface ReleaseSlotResult {
  slot: number;
  /** False when the slot was already free. */
  released: boolean;
  /** The task the slot held, put back in the queue without an attempt counted. */
  releasedTask: string | null;
}

export function* releaseSlot(ctx: RuleContext, input: ParsedReleaseSlot): Program<ReleaseSlotResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const slot = yield* ask({ kind: 'slot', project, slot: input.slot });
  if (!slot) {
    const total = slotsFor(ctx.config, project);
    if (input.slot > total)
      throw new DomainError('SLOT_NOT_FOUND', `slot ${input.slot} does not exist: this project has slots 1-${total}`, {
        slot: input.slot,
        slots: total,
      });
    return { result: { slot: input.slot, released: false, releasedTask: null }, change: changes.build() };
  }
  // Only its holder frees a named slot (an anonymous one, anyone); `force` is the admin's override.
  if (slot.worker !== null && slot.worker !== input.workerId && input.force !== true) {
    throw new DomainError(
      'SLOT_NOT_HELD',
      input.workerId === undefined
        ? `slot ${input.slot} is held by ${slot.worker}: give your workerId, or force: true to free another worker's slot`
        : `slot ${input.slot} is held by ${slot.worker}, not by ${input.workerId}`,
      { slot: input.slot, holder: slot.worker },
    );
  }
  let releasedTask: string | null = null;
  let keptTask: string | null = null;
  if (slot.taskId !== null) {
    const [task] = yield* ask({ kind: 'tasks', project, ids: [slot.taskId] });
    if (task && task.slot === slot.slot && isActive(task.status) && input.keepTask === true) {
      // The task stays held by its worker under its own lease; it is just no longer tied to this slot.
      changes.updateTask(task, { slot: null });
      keptTask = task.id;
    } else if (task && task.slot === slot.slot && isActive(task.status)) {
      changes.updateTask(task, { status: 'available', ...BACK_TO_QUEUE });
      changes.event(
        'task.released',
        project,
        { taskId: task.id, workerId: task.worker, slot: slot.slot },
        { from: task.status, to: 'available', reason: 'slot released' },
      );
      releasedTask = task.id;
    }
  }
  changes.deleteSlot(project, slot.slot);
  // A kept task's row changed (no slot): the event names it, so readers following the feed see that too.
  changes.event(
    'slot.released',
    project,
    { workerId: slot.worker, slot: slot.slot, taskId: keptTask },
    keptTask === null ? { taskId: releasedTask } : { taskId: null, keptTask },
  );
  return { result: { slot: slot.slot, released: true, releasedTask }, change: changes.build() };
}

export interface HeartbeatResult {
  workerId: string;
  slots: number[];
  tasks: string[];
  /** The latest lease end after renewal; null when nothing was renewed (no task held; empty slots are not renewed). */
  leaseExpiresAt: number | null;
}

export function* heartbeat(ctx: RuleContext, input: ParsedHeartbeat): Program<HeartbeatResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  // Tasks before slots: every rule takes a task before its slot, so concurrent commands never
  // wait on each other in opposite orders.
  const tasks = yield* ask({ kind: 'workerTasks', project, worker: input.workerId });
  const slots = yield* ask({ kind: 'workerSlots', project, worker: input.workerId });
  const until = renewWorker(ctx, changes, slots, tasks);
  return {
    result: {
      workerId: input.workerId,
      slots: slots.map((s) => s.slot),
      tasks: tasks.map((t) => t.id),
      // Null when nothing was renewed: no task held, and an empty slot is not renewed (see renewWorker).
      leaseExpiresAt: until === 0 ? null : until,
    },
    change: changes.build(),
  };
}
