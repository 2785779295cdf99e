// `tcx show` and `tcx watch`: one task in full (description, output, dependencies, history, notes) and one event per line.
import { isActive, type Task, type TaskDetail, type TaskEvent } from '@task-coordinator/core';
import type { Ctx } from '../context.js';
import { blockedByText, reservationLine } from './reservations.js';
import { cut, paintStatus, statusStyle, time } from './style.js';

/** Fields that later issues add to a task (notes, files, …) are shown when the server sends them. */
type ShownTask = TaskDetail & { notes?: unknown };

export function showTask(
  ctx: Ctx,
  task: ShownTask,
  related: ReadonlyMap<string, Task>,
  history: readonly TaskEvent[],
): string {
  const { c } = ctx;
  const out: string[] = [];
  const field = (name: string, value: string) => out.push(`${c.dim(name.padEnd(12))}${value}`);
  out.push(
    `${c.bold(task.id)}  ${paintStatus(ctx, task.status)}${task.project !== 'default' ? c.dim(`  (${task.project})`) : ''}`,
  );
  field('priority', String(task.priority));
  if (task.labels.length) field('labels', task.labels.join(', '));
  if (task.deadline !== null) field('deadline', time(task.deadline));
  field('attempts', `${task.attempts}/${task.maxAttempts}`);
  if (task.worker !== null)
    field(
      isActive(task.status) ? 'holder' : 'worker',
      `${task.worker}${task.slot !== null ? ` (slot ${task.slot})` : ''}`,
    );
  if (task.leaseExpiresAt !== null) field('lease until', time(task.leaseExpiresAt));
  field('created', time(task.createdAt));
  if (task.startedAt !== null) field('started', time(task.startedAt));
  if (task.completedAt !== null) field('finished', time(task.completedAt));
  if (task.files?.length) field('files', task.files.join(', '));
  if (task.blockedBy) field('blocked by', c.yellow(blockedByText(task.blockedBy)));
  out.push('', c.bold('Description'), indent(task.description));
  if (task.output !== null) out.push('', c.bold('Output'), indent(task.output));
  if (task.error !== null) out.push('', c.bold(c.red('Error')), indent(task.error));
  const listOf = (ids: readonly string[]) =>
    ids.map((id) => {
      const other = related.get(id);
      if (!other) return `  ${id}`;
      const { symbol, paint } = statusStyle(ctx, other.status);
      return `  ${paint(`${symbol} ${id}`)} ${c.dim(`[${other.status}]`)}  ${cut(other.description, 70)}`;
    });
  out.push(
    '',
    c.bold(`Depends on (${task.dependencies.length})`),
    ...(task.dependencies.length ? listOf(task.dependencies) : [c.dim('  nothing')]),
  );
  out.push(
    '',
    c.bold(`Needed by (${task.dependents.length})`),
    ...(task.dependents.length ? listOf(task.dependents) : [c.dim('  nothing')]),
  );
  if (task.reservations?.length) {
    out.push('', c.bold(`Reservations (${task.reservations.length})`));
    for (const r of task.reservations) out.push(`  ${reservationLine(ctx, r, false)}`);
  }
  if (task.notes.length) {
    out.push('', c.bold(`Notes (${task.notes.length})`));
    for (const note of task.notes) out.push(`  ${c.dim(time(note.at))} ${note.author ?? ''}: ${note.text}`);
  }
  out.push('', c.bold(`History (${history.length})`));
  for (const event of history) out.push(`  ${eventLine(ctx, event, false)}`);
  return out.join('\n');
}

/** `seq  time  type  task  worker  detail` for the feed and the history. */
export function eventLine(ctx: Ctx, event: TaskEvent, withTask = true): string {
  const { c } = ctx;
  const detail = eventDetail(event);
  return [
    c.dim(String(event.seq).padStart(6)),
    c.dim(time(event.at)),
    event.type,
    ...(withTask ? [c.bold(event.taskId ?? '-')] : []),
    event.workerId ? c.cyan(event.workerId) : '',
    detail ? c.dim(detail) : '',
  ]
    .filter(Boolean)
    .join('  ')
    .trimEnd();
}

function eventDetail(event: TaskEvent): string {
  const data = event.data;
  const parts: string[] = [];
  if (event.slot !== null) parts.push(`slot ${event.slot}`);
  for (const key of ['output', 'error', 'reason', 'note', 'text'] as const)
    if (typeof data[key] === 'string') parts.push(`${key}: ${cut(data[key], 60)}`);
  const actor = data.actor as { token?: string | null } | undefined;
  if (actor?.token) parts.push(`by ${actor.token}`);
  return parts.join(', ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
