// The row shape SQL stores share (snake_case columns, epoch-ms integers), and its mapping to the model.
import type { Reservation, Slot, Task, TaskAnswer, TaskEvent, TaskNote, TaskQuestion, TaskStatus } from './model.js';
import type { BackendOverview } from './store.js';

/** A task row with its dependencies and labels already decoded to arrays. */
export interface TaskRow {
  ord: number;
  project: string;
  id: string;
  description: string;
  status: TaskStatus;
  priority: number;
  labels: string[];
  deadline: number | null;
  output: string | null;
  error: string | null;
  worker: string | null;
  slot: number | null;
  attempts: number;
  max_attempts: number;
  lease_expires_at: number | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
  version: number;
  deps: string[];
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  review: boolean | number;
  progress: string | null;
  question: TaskQuestion | null;
  answer: TaskAnswer | null;
  notes: TaskNote[];
  /** Declared files (issue 13); absent in rows read before the column existed. */
  files?: string[];
}

export interface SlotRow {
  project: string;
  slot: number;
  worker: string | null;
  task_id: string | null;
  lease_expires_at: number;
  claimed_at: number;
  last_seen_at: number;
}

/** An event row with its data already decoded. */
export interface EventRow {
  seq: number;
  at: number;
  type: TaskEvent['type'];
  project: string;
  task_id: string | null;
  worker_id: string | null;
  slot: number | null;
  data: Record<string, unknown>;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    project: row.project,
    description: row.description,
    status: row.status,
    priority: row.priority,
    dependencies: row.deps,
    labels: row.labels,
    deadline: row.deadline,
    output: row.output,
    error: row.error,
    worker: row.worker,
    slot: row.slot,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
    version: row.version,
    review: row.review === true || row.review === 1,
    progress: row.progress,
    question: row.question,
    answer: row.answer,
    notes: row.notes,
    files: row.files ?? [],
  };
}

export function slotFromRow(row: SlotRow): Slot {
  return {
    project: row.project,
    slot: row.slot,
    worker: row.worker,
    taskId: row.task_id,
    leaseExpiresAt: row.lease_expires_at,
    claimedAt: row.claimed_at,
    lastSeenAt: row.last_seen_at,
  };
}

export function eventFromRow(row: EventRow): TaskEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    project: row.project,
    taskId: row.task_id,
    workerId: row.worker_id,
    slot: row.slot,
    data: row.data,
  };
}

/** Both SQL stores' overview: `GROUP BY project, status` on tasks and `GROUP BY project` on slots, merged. */
export function overviewFromRows(
  counts: ReadonlyArray<{ project: string; status: TaskStatus; n: number }>,
  slots: ReadonlyArray<{ project: string; held: number; busy: number }>,
): BackendOverview[] {
  const byProject = new Map<string, BackendOverview>();
  const entry = (project: string) => {
    let found = byProject.get(project);
    if (!found) byProject.set(project, (found = { project, counts: {}, held: 0, busy: 0 }));
    return found;
  };
  for (const row of counts) entry(row.project).counts[row.status] = Number(row.n);
  for (const row of slots) Object.assign(entry(row.project), { held: Number(row.held), busy: Number(row.busy) });
  return [...byProject.values()].sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
}

export interface ReservationRow {
  project: string;
  pattern: string;
  mode: 'exclusive' | 'shared';
  worker: string;
  task_id: string;
  reason: string | null;
  created_at: number | string;
}

export function reservationFromRow(row: ReservationRow): Reservation {
  return {
    project: row.project,
    pattern: row.pattern,
    mode: row.mode,
    worker: row.worker,
    taskId: row.task_id,
    reason: row.reason,
    createdAt: Number(row.created_at),
  };
}
