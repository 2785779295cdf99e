// The rows of the domain: tasks, worker slots and events, as every store persists them.

/**
 * Task statuses. The first five are the original server's and keep their names.
 *
 * | status    | meaning                                                           | terminal |
 * |-----------|-------------------------------------------------------------------|----------|
 * | blocked   | some dependency is not `done`                                     | no       |
 * | available | every dependency is `done`; may be claimed                        | no       |
 * | claimed   | held by a worker in a slot under a lease                          | no       |
 * | working   | the holder said it started                                        | no       |
 * | waiting   | the holder asked a person and waits for the answer; still held    | no       |
 * | review    | the holder reported done on a gated task; a person approves it    | no       |
 * | done      | finished                                                          | yes      |
 * | failed    | gave up (failure without retry, or attempts exhausted); resettable | no       |
 * | cancelled | withdrawn; resettable                                             | yes      |
 */
export const TASK_STATUSES = [
  'blocked',
  'available',
  'claimed',
  'working',
  'waiting',
  'review',
  'done',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * Statuses in which a task has a holder, a slot and a lease ("active"): the one definition every
 * rule, store index and reservation check uses. `waiting` is held too: the holder asked a person.
 */
export const ACTIVE_STATUSES = ['claimed', 'working', 'waiting'] as const satisfies readonly TaskStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export function isActive(status: TaskStatus): status is ActiveStatus {
  return status === 'claimed' || status === 'working' || status === 'waiting';
}

/**
 * Statuses as an SQL list literal (`'done','cancelled'`): a literal, not a bound parameter, so the
 * planner can match a partial index's WHERE. Anything that is not a status is refused.
 */
export function statusListSql(statuses: readonly TaskStatus[]): string {
  for (const s of statuses) if (!TASK_STATUSES.includes(s)) throw new TypeError(`not a task status: ${String(s)}`);
  return statuses.map((s) => `'${s}'`).join(',');
}

/** `ACTIVE_STATUSES` as an SQL list literal, for the stores' partial indexes and held-task queries. */
export const ACTIVE_STATUSES_SQL = statusListSql(ACTIVE_STATUSES);

/** An open question of the holder to a person (the task is `waiting`). */
export interface TaskQuestion {
  text: string;
  /** Answers offered as buttons; a person may still answer in free text. Null: free text only. */
  options: string[] | null;
  askedBy: string;
  askedAt: Instant;
}

/** The last answer a person gave to a question on this task. */
export interface TaskAnswer {
  question: string;
  text: string;
  /** The option index when the person picked one; null for free text. */
  option: number | null;
  answeredBy: string | null;
  answeredAt: Instant;
}

/** Append-only handoff text on a task. `kind` "rejection": a reviewer sent the task back with it. */
export interface TaskNote {
  at: Instant;
  author: string | null;
  kind: 'note' | 'rejection';
  text: string;
}

/** Instants are milliseconds since the Unix epoch (UTC), always injected, never read by core. */
export type Instant = number;

export interface Task {
  id: string;
  project: string;
  description: string;
  status: TaskStatus;
  /** Higher runs first. */
  priority: number;
  /** Ids of tasks (same project) that must be `done` first; sorted, without duplicates. */
  dependencies: string[];
  /** Sorted, without duplicates. */
  labels: string[];
  deadline: Instant | null;
  output: string | null;
  error: string | null;
  /** The holder while claimed/working; who finished it once done; null otherwise. */
  worker: string | null;
  /** The holder's slot while claimed/working; null otherwise. */
  slot: number | null;
  /** Failures and lease expiries so far; `reset` sets it back to 0. */
  attempts: number;
  maxAttempts: number;
  leaseExpiresAt: Instant | null;
  createdAt: Instant;
  startedAt: Instant | null;
  completedAt: Instant | null;
  updatedAt: Instant;
  /** Bumped on every change; stores apply updates only on the version they loaded. */
  version: number;
  /** Review gate: the holder's "done" moves it to `review`; a person approves (→ done) or rejects. */
  review: boolean;
  /** The last progress line a holder reported; kept through release, failure and expiry. */
  progress: string | null;
  /** The open question while `waiting`; null otherwise. */
  question: TaskQuestion | null;
  /** The last answer given; stays for the holder (and the next one) to read. */
  answer: TaskAnswer | null;
  /** The most recent notes (at most NOTES_KEPT), oldest first; the events keep every one. */
  notes: TaskNote[];
  /**
   * Files the task declares it will touch: normalised patterns (see files/patterns.ts), [] when none.
   * While it is held they count as its worker's exclusive holding; claim-next skips it while
   * another worker holds a conflicting pattern.
   */
  files: string[];
}

/**
 * A held worker slot. Slots are numbered 1..N per project; a slot without a row is free.
 * `worker` is null for a slot taken anonymously by an original client until a claim names it.
 */
export interface Slot {
  project: string;
  slot: number;
  worker: string | null;
  /** The task the slot holds, while that task is claimed or working. */
  taskId: string | null;
  leaseExpiresAt: Instant;
  claimedAt: Instant;
  lastSeenAt: Instant;
}

/** What the slot listing shows: every slot 1..N, held or free. */
export interface SlotView {
  project: string;
  slot: number;
  free: boolean;
  worker: string | null;
  taskId: string | null;
  leaseExpiresAt: Instant | null;
  claimedAt: Instant | null;
  lastSeenAt: Instant | null;
}

export const EVENT_TYPES = [
  'task.added',
  'task.edited',
  'task.claimed',
  'task.started',
  'task.progress',
  'task.question_asked',
  'task.answered',
  'task.review_requested',
  'task.approved',
  'task.rejected',
  'task.note_added',
  'task.completed',
  'task.failed',
  'task.retrying',
  'task.released',
  'task.expired',
  'task.unblocked',
  'task.reset',
  'task.cancelled',
  'tasks.cleaned',
  'slot.claimed',
  'slot.released',
  'slot.expired',
  'files.reserved',
  'files.released',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as a rule produces it; the store gives it its `seq` when it commits. */
export interface EventDraft {
  type: EventType;
  at: Instant;
  project: string;
  taskId: string | null;
  workerId: string | null;
  slot: number | null;
  data: Record<string, unknown>;
}

/**
 * Who made a change, as the server authenticated the caller: the name of the token it presented
 * (when several named tokens are configured) and the worker it speaks for. A store stamps it into
 * the `data.actor` of every event the change appends, so the events are the audit trail.
 * Lease expiries and other changes the server makes on its own carry no actor.
 */
export interface Actor {
  token: string | null;
  worker: string | null;
}

/** A committed event. `seq` strictly increases across the whole store. */
export interface TaskEvent extends EventDraft {
  seq: number;
}

/** Counts for dashboards and health: tasks by status, slots in use, the last event. */
export interface BoardStats {
  project: string;
  tasks: Record<TaskStatus, number>;
  total: number;
  slots: { total: number; held: number; busy: number };
  lastSeq: number;
}

/** One minute of a project's throughput (the dashboard's chart). */
export interface ThroughputMinute {
  /** Start of the minute. */
  at: Instant;
  completed: number;
  failed: number;
  added: number;
  /** Available tasks as the minute ended; null where the server has no sample. */
  queueDepth: number | null;
}

/** The last hour, a point per minute, oldest first; `since`: when the server began counting. */
export interface Throughput {
  project: string;
  since: Instant;
  minutes: ThroughputMinute[];
}

/** One project at a glance, for metrics: tasks by status and slots in use. */
export interface ProjectOverview {
  project: string;
  tasks: Record<TaskStatus, number>;
  slots: { held: number; busy: number };
}

export type ReservationMode = 'exclusive' | 'shared';

/**
 * A file reservation: `worker` holds `pattern` for `taskId`, which it holds. It lives while the
 * task is held (claimed, working, waiting) and is deleted in the very command that moves the task
 * out of those statuses. Keyed by (project, taskId, pattern).
 */
export interface Reservation {
  project: string;
  pattern: string;
  mode: ReservationMode;
  worker: string;
  taskId: string;
  reason: string | null;
  createdAt: Instant;
}

/**
 * Something a worker holds on the files: one of its reservations, or one declared file of a task it
 * holds (`kind: 'declared'`, always exclusive; `since`: when the task started, or last changed while merely claimed).
 */
export interface FileHolding {
  pattern: string;
  mode: ReservationMode;
  worker: string;
  taskId: string;
  since: Instant;
  kind: 'reservation' | 'declared';
}

/** A requested pattern that conflicts with a holding of another worker. */
export interface FileConflict {
  pattern: string;
  heldPattern: string;
  mode: ReservationMode;
  worker: string;
  taskId: string;
  since: Instant;
}

/** Why claim-next skips an available task right now: one of its files is held by another worker. */
export interface BlockedBy {
  pattern: string;
  heldPattern: string;
  worker: string;
  taskId: string;
  since: Instant;
}

/** What reserve answers: every reservation of the task after the call. */
export interface ReservationsResult {
  reservations: Reservation[];
}

export interface ReleasedResult {
  released: Reservation[];
}

/** Per path: free when no other worker holds it in any mode; `holders` are those holdings. */
export interface CheckFilesResult {
  results: Array<{ path: string; free: boolean; holders: FileHolding[] }>;
}

/** A task with the ids of the tasks that depend on it. */
export interface TaskDetail extends Task {
  dependents: string[];
  /** The reservations taken for this task (while it is held; [] otherwise). */
  reservations: Reservation[];
  /** Only for an available task whose declared files another worker holds: why claim-next skips it. */
  blockedBy: BlockedBy | null;
}
