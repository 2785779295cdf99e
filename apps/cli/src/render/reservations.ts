// How file reservations look in the terminal: one line per reservation, per checked path, and why a task waits.
import type { BlockedBy, CheckFilesResult, FileHolding, Reservation } from '@task-coordinator/core';
import type { Ctx } from '../context.js';
import { time } from './style.js';

export type ReservationView = Reservation;
export type HolderView = FileHolding;
export type CheckView = CheckFilesResult['results'][number];
export type BlockedByView = BlockedBy;

/** `src/auth/**  exclusive  agent-a  task auth  since …  (reason)` */
export function reservationLine(ctx: Ctx, r: ReservationView, withTask = true): string {
  const { c } = ctx;
  return [
    c.bold(r.pattern),
    r.mode === 'shared' ? c.dim('shared') : c.yellow('exclusive'),
    c.cyan(r.worker),
    ...(withTask ? [`task ${r.taskId}`] : []),
    c.dim(`since ${time(r.createdAt)}`),
    ...(r.reason ? [c.dim(`(${r.reason})`)] : []),
  ].join('  ');
}

export function holderText(h: HolderView): string {
  const what = h.kind === 'declared' ? 'declared by' : `${h.mode} reservation of`;
  return `${h.worker} (${h.pattern}, ${what} task ${h.taskId}, since ${time(h.since)})`;
}

/** `path  free` or `path  held by …` */
export function checkLine(ctx: Ctx, r: CheckView, width: number): string {
  const { c } = ctx;
  const path = r.path.padEnd(width);
  if (r.free && !r.holders.length) return `${path}  ${c.green('free')}`;
  const holders = r.holders.map(holderText).join('; ');
  return r.free
    ? `${path}  ${c.green('free')} ${c.dim(`(shared with ${holders})`)}`
    : `${path}  ${c.red('held by')} ${holders}`;
}

export function blockedByText(b: BlockedByView): string {
  const held = b.heldPattern === b.pattern ? b.pattern : `${b.heldPattern} (overlaps ${b.pattern})`;
  return `waiting for ${held} held by ${b.worker} on task ${b.taskId} since ${time(b.since)}`;
}
