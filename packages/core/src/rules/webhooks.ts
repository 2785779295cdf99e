// Webhook delivery rules: which committed events a webhook receives and under which name, when a plan
// has finished, how a delivery cursor moves and which process may deliver. Pure: the server's
// dispatcher sends, the stores persist cursors and the dispatch lease by asking these functions.
import type { Instant, Task, TaskEvent } from '../model.js';
import { isTerminal } from './transitions.js';

/**
 * The events a webhook receives when its filter names none. `task.question_asked` and
 * `task.review_requested` are issue 14's question and review events; `task.failed` is a task
 * dead-lettered to `failed` (a failure with no retry left, or its lease expired `maxAttempts` times);
 * `plan.finished` is derived (see planFinished).
 */
export const DEFAULT_WEBHOOK_EVENTS = [
  'task.question_asked',
  'task.review_requested',
  'task.failed',
  'plan.finished',
] as const;

/** Tasks a plan added carry this label (prefix + the plan's key) so its end can be seen. */
export const PLAN_LABEL_PREFIX = 'plan:';

/**
 * The name a webhook receives `event` under, or null when no webhook ever receives it as such.
 * A lease expiry that dead-letters the task is `task.failed`, like a failure without retry: for a
 * receiver both mean "this task needs a person". Other event types keep their names.
 */
export function webhookEventType(event: Pick<TaskEvent, 'type' | 'data'>): string {
  if (event.type === 'task.expired' && event.data.to === 'failed') return 'task.failed';
  return event.type;
}

/**
 * Whether an event name passes a filter: exact names, `*` for everything, `prefix.*` for a family
 * (`task.*`). An empty filter means DEFAULT_WEBHOOK_EVENTS.
 */
export function webhookWants(filter: readonly string[], type: string): boolean {
  const patterns = filter.length === 0 ? DEFAULT_WEBHOOK_EVENTS : filter;
  return patterns.some(
    (p) =>
      p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1)) && type.length > p.length - 1),
  );
}

/** The plan key of a task (from its `plan:` label), or null when no plan added it. */
export function planOf(task: Pick<Task, 'labels'>): string | null {
  const label = task.labels.find((l) => l.startsWith(PLAN_LABEL_PREFIX));
  return label === undefined ? null : label.slice(PLAN_LABEL_PREFIX.length);
}

/** Events that can finish a plan: a task reaching `done` (completed, or approved after review) or `cancelled`. */
export function mayFinishPlan(event: Pick<TaskEvent, 'type' | 'taskId'>): boolean {
  return (
    event.taskId !== null &&
    (event.type === 'task.completed' || event.type === 'task.approved' || event.type === 'task.cancelled')
  );
}

/**
 * Whether `event` (a task of the plan reaching done or cancelled) is the one that finished the plan
 * whose tasks are `planTasks` as they are now. A plan has finished when every one of its tasks is
 * done or cancelled; a task dead-lettered to `failed` keeps it open (its dependents can never run:
 * the failure is its own webhook, and a reset or cancel may still finish the plan).
 *
 * Only one event finishes a plan: the last task to finish, read from the rows (greatest
 * `completedAt`, then id), and only when that task finished at the event's time (its `completedAt`
 * equals the event's `at`: the same command). A dispatcher that is behind and reads the finished
 * plan while handling an earlier completion therefore sends nothing for it, and replaying the same
 * event after a restart decides the same way (the delivery id then lets the receiver drop the
 * repeat). `completedAt` is set only by the commands that finish a task, so a note added to a
 * finished task (which moves `updatedAt`) does not hide the plan's end.
 */
export function planFinished(event: Pick<TaskEvent, 'taskId' | 'at'>, planTasks: readonly Task[]): boolean {
  if (planTasks.length === 0 || !planTasks.every((t) => isTerminal(t.status))) return false;
  let last = planTasks[0] as Task;
  const finishedAt = (t: Task) => t.completedAt ?? t.updatedAt;
  for (const t of planTasks)
    if (finishedAt(t) > finishedAt(last) || (finishedAt(t) === finishedAt(last) && t.id > last.id)) last = t;
  return last.id === event.taskId && finishedAt(last) === event.at;
}

/** A webhook's place in the event log: every event up to `seq` was acknowledged or filtered out. */
export interface WebhookCursor {
  webhook: string;
  seq: number;
  updatedAt: Instant;
}

/** The cursor after an acknowledgement up to `seq`: cursors only move forward (a late or replayed ack never rewinds one). */
export function advanceCursor(
  current: WebhookCursor | null,
  webhook: string,
  seq: number,
  now: Instant,
): WebhookCursor {
  if (current !== null && current.seq >= seq) return current;
  return { webhook, seq, updatedAt: now };
}

/** Which server process delivers webhooks, until when (several PostgreSQL replicas: only one sends). */
export interface DispatchLease {
  owner: string;
  expiresAt: Instant;
}

/**
 * The lease after `owner` asks for it at `now`: granted (or renewed) when nobody holds it, its
 * holder's time ran out, `owner` already holds it, or its holder is `replacing` (the caller knows
 * that holder is gone: a restarted server replacing its own killed process); otherwise it stays
 * with its holder.
 */
export function takeLease(
  current: DispatchLease | null,
  owner: string,
  now: Instant,
  ttlMs: number,
  replacing: string | null = null,
): DispatchLease {
  if (current === null || current.owner === owner || current.expiresAt <= now || current.owner === replacing)
    return { owner, expiresAt: now + ttlMs };
  return current;
}
