// File reservations (issue 13): reserve, release, check, and their lifetime under the task's lease.
//
// Only the holder of a task (claimed, working, waiting) reserves for it; all or nothing. A
// reservation lives while its task is held: whatever command moves the task out of the held
// statuses (done, review, failed, released, cancelled, expired, a reset of the slot's task) also
// deletes its reservations, in the same change, with a `files.released` event (reason
// 'task-finished'). `withReservationLifetime` does that for every rule, so none can forget it.
import { DomainError } from '../errors.js';
import type { CheckFilesResult, FileHolding, ReleasedResult, Reservation, ReservationsResult, Task } from '../model.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { CheckFilesInputSchema, ReleaseFilesInputSchema, ReserveFilesInputSchema } from '../schemas-files.js';
import { assertHolder, loadTask } from './transitions.js';
import { findConflicts, nearOf } from '../files/conflicts.js';
import { patternsOverlap } from '../files/overlap.js';

export type ParsedReserveFiles = z.output<typeof ReserveFilesInputSchema>;
export type ParsedReleaseFiles = z.output<typeof ReleaseFilesInputSchema>;
export type ParsedCheckFiles = z.output<typeof CheckFilesInputSchema>;

export type { CheckFilesResult, ReleasedResult, ReservationsResult } from '../model.js';

/** Sorted by creation, then pattern: the order every store answers a task's reservations in. */
export function compareReservations(a: Reservation, b: Reservation): number {
  return a.createdAt - b.createdAt || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0);
}

export function filesConflict(what: string, conflicts: ReturnType<typeof findConflicts>): DomainError {
  const first = conflicts[0] as (typeof conflicts)[number];
  const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more conflict(s))` : '';
  return new DomainError(
    'FILES_CONFLICT',
    `${what}: ${first.pattern} conflicts with ${first.heldPattern} held (${first.mode}) by ${first.worker} on task ${first.taskId}${more}`,
    { conflicts },
  );
}

export function* reserveFiles(ctx: RuleContext, input: ParsedReserveFiles): Program<ReservationsResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  assertHolder(task, input.workerId, 'reserve');
  const mode = input.mode ?? 'exclusive';
  const holdings = yield* ask({ kind: 'holdings', project, near: nearOf(input.patterns) });
  const conflicts = findConflicts(input.patterns, mode, holdings, input.workerId);
  if (conflicts.length) throw filesConflict(`cannot reserve for task ${task.id}`, conflicts);
  const existing = yield* ask({ kind: 'taskReservations', project, taskIds: [task.id] });
  const byPattern = new Map(existing.map((r) => [r.pattern, r] as const));
  const reason = input.reason ?? null;
  const granted: Reservation[] = [];
  for (const pattern of input.patterns) {
    const stored = byPattern.get(pattern);
    if (stored && stored.mode === mode && stored.reason === reason) continue;
    // Exclusive to shared: what others wait for shrinks (claim-hints.ts counts on the version).
    if (stored && stored.mode !== mode) changes.holdingsShrink(project, stored.worker);
    const reservation: Reservation = {
      project,
      pattern,
      mode,
      worker: input.workerId,
      taskId: task.id,
      reason,
      createdAt: stored?.createdAt ?? ctx.now,
    };
    changes.reserve(reservation);
    byPattern.set(pattern, reservation);
    granted.push(reservation);
  }
  if (granted.length) {
    changes.event(
      'files.reserved',
      project,
      { taskId: task.id, workerId: input.workerId, slot: task.slot },
      { taskId: task.id, worker: input.workerId, reservations: granted },
    );
  }
  return { result: { reservations: [...byPattern.values()].sort(compareReservations) }, change: changes.build() };
}

export function* releaseFiles(ctx: RuleContext, input: ParsedReleaseFiles): Program<ReleasedResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  assertHolder(task, input.workerId, 'reserve');
  const existing = yield* ask({ kind: 'taskReservations', project, taskIds: [task.id] });
  const wanted = input.patterns ? new Set(input.patterns) : null;
  const released = existing.filter((r) => wanted === null || wanted.has(r.pattern)).sort(compareReservations);
  if (released.length) {
    for (const w of new Set(released.map((r) => r.worker))) changes.holdingsShrink(project, w);
    changes.unreserve(
      project,
      task.id,
      released.map((r) => r.pattern),
    );
    changes.event(
      'files.released',
      project,
      { taskId: task.id, workerId: input.workerId, slot: task.slot },
      { taskId: task.id, worker: input.workerId, patterns: released.map((r) => r.pattern), reason: 'released' },
    );
  }
  return { result: { released }, change: changes.build() };
}

/** Who holds each path (other than `workerId`): free when nobody else holds it in any mode. Changes nothing. */
export function* checkFiles(ctx: RuleContext, input: ParsedCheckFiles): Program<CheckFilesResult> {
  const { project } = input;
  const holdings = yield* ask({ kind: 'holdings', project, near: nearOf(input.paths) });
  const others = holdings.filter((h) => h.worker !== (input.workerId ?? null));
  const results = input.paths.map((path) => {
    const holders = others.filter((h) => patternsOverlap(path, h.pattern));
    return { path, free: holders.length === 0, holders };
  });
  return { result: { results }, change: new ChangeSet(ctx.now).build() };
}

/**
 * Runs `program`, then ends the reservations of every task its change moves out of the held
 * statuses: deleted in the same change, with one `files.released` event per task that had any.
 */
export function* withReservationLifetime<R>(program: Program<R>, now: number): Program<R> {
  const outcome = yield* program;
  const { change } = outcome;
  if (!change.leftHeld.length) return outcome;
  const byProject = new Map<string, Array<(typeof change.leftHeld)[number]>>();
  for (const left of change.leftHeld) {
    const list = byProject.get(left.project);
    if (list) list.push(left);
    else byProject.set(left.project, [left]);
  }
  for (const [project, left] of byProject) {
    const stored = yield* ask({ kind: 'taskReservations', project, taskIds: left.map((l) => l.taskId) });
    if (!stored.length) continue;
    for (const { taskId, worker } of left) {
      const mine = stored.filter((r) => r.taskId === taskId).sort(compareReservations);
      if (!mine.length) continue;
      change.deleteReservations.push({ project, taskId, patterns: null });
      for (const w of new Set(mine.map((r) => r.worker)))
        if (!change.bumpHoldings.some((b) => b.project === project && b.worker === w))
          change.bumpHoldings.push({ project, worker: w });
      change.events.push({
        type: 'files.released',
        at: now,
        project,
        taskId,
        workerId: worker,
        slot: null,
        data: { taskId, worker, patterns: mine.map((r) => r.pattern), reason: 'task-finished' },
      });
    }
  }
  return outcome;
}

/** A task's declared files as holdings of its holder (while held). */
export function declaredHoldings(task: Task): FileHolding[] {
  if (task.worker === null) return [];
  const since = task.startedAt ?? task.updatedAt;
  return task.files.map((pattern) => ({
    pattern,
    mode: 'exclusive' as const,
    worker: task.worker as string,
    taskId: task.id,
    since,
    kind: 'declared' as const,
  }));
}
