// What a task event carries about the row it changed, so a reader (the dashboard, a webhook
// consumer) can follow the board from the events alone, without re-deriving any rule.
//
// Every event about a task a command updated carries `data.row`: the row's fields this command
// changed (against the row as loaded), plus the new `version`; `updatedAt` is the event's `at`.
// Long texts (output, error, description) are clipped as every event text is: the row keeps the
// whole text. A `task.added` event carries what the task was created with; `addedTask` builds the
// row from it the way the add rule does (`newTask`, in `taskAfterEvent`). Heartbeats renew leases without an event.
import type { Instant, Task, TaskEvent, TaskStatus } from '../model.js';

/** Longest text copied into an event (the task row keeps the whole text). */
export const EVENT_TEXT_MAX = 1024;

export function clip(text: string | null | undefined): string | null {
  if (text == null || text.length <= EVENT_TEXT_MAX) return text ?? null;
  // Cut on a code point, never inside a surrogate pair (that would be ill-formed text).
  const end = /[\uD800-\uDBFF]/.test(text[EVENT_TEXT_MAX - 1] as string) ? EVENT_TEXT_MAX - 1 : EVENT_TEXT_MAX;
  return `${text.slice(0, end)}…`;
}

/** The fields of a row an event may carry (everything but the keys and `updatedAt`). */
export type RowChange = Partial<Omit<Task, 'id' | 'project' | 'createdAt' | 'updatedAt'>> & { version: number };

const TEXT_FIELDS = new Set<keyof Task>(['output', 'error', 'description']);
const SKIP = new Set<keyof Task>(['id', 'project', 'createdAt', 'updatedAt', 'version']);

const same = (a: unknown, b: unknown): boolean =>
  a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]));

/** The fields of `after` that differ from `before`, texts clipped, with the new version. */
export function rowChange(before: Task, after: Task): RowChange {
  const change: Record<string, unknown> = { version: after.version };
  for (const key of Object.keys(after) as Array<keyof Task>) {
    if (SKIP.has(key) || same(before[key], after[key])) continue;
    const value = after[key];
    change[key] = TEXT_FIELDS.has(key) ? clip(value as string | null) : Array.isArray(value) ? [...value] : value;
  }
  return change as RowChange;
}

/** What a new task is, before its first event: the add rule's rows and `addedTask` both come from here. */
export function newTask(fields: {
  id: string;
  project: string;
  description: string;
  status: TaskStatus;
  priority: number;
  dependencies: string[];
  labels: string[];
  deadline: Instant | null;
  output: string | null;
  maxAttempts: number;
  /** Review gate (issue-14): the holder's "done" moves the task to `review`. */
  review?: boolean;
  /** Declared files (issue 13), normalised. */
  files?: string[];
  at: Instant;
}): Task {
  // Every field named, in one literal and in taskFromRow's order: a rest pattern and a spread
  // (`{ at, ...rest }`, `{ ...rest, … }`) cost 21-24 µs a task on Node 20's V8, against under 1 µs
  // for the literal; and one order for every task keeps the code that reads tasks on one shape.
  return {
    id: fields.id,
    project: fields.project,
    description: fields.description,
    status: fields.status,
    priority: fields.priority,
    dependencies: fields.dependencies,
    labels: fields.labels,
    deadline: fields.deadline,
    output: fields.output,
    error: null,
    worker: null,
    slot: null,
    attempts: 0,
    maxAttempts: fields.maxAttempts,
    leaseExpiresAt: null,
    createdAt: fields.at,
    startedAt: null,
    completedAt: null,
    updatedAt: fields.at,
    version: 1,
    review: fields.review ?? false,
    progress: null,
    question: null,
    answer: null,
    notes: [],
    files: fields.files ?? [],
  };
}

/**
 * The task after `event`, given the task before it (undefined if unknown). Returns undefined when
 * the event says nothing about a task row (slot events, a task not seen yet).
 */
export function taskAfterEvent(before: Task | undefined, event: TaskEvent): Task | undefined {
  if (event.taskId === null) return undefined;
  const data = event.data;
  if (event.type === 'task.added') {
    return newTask({
      id: event.taskId,
      project: event.project,
      description: data.description as string,
      status: data.to as TaskStatus,
      priority: data.priority as number,
      dependencies: data.dependencies as string[],
      labels: data.labels as string[],
      deadline: data.deadline as Instant | null,
      output: (data.output as string | undefined) ?? null,
      maxAttempts: data.maxAttempts as number,
      review: data.review === true,
      files: Array.isArray(data.files) ? (data.files as string[]) : [],
      at: event.at,
    });
  }
  const row = data.row as RowChange | undefined;
  if (!before || !row) return undefined;
  return { ...before, ...row, updatedAt: event.at };
}
