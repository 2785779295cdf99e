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
 * | done      | finished                                                          | yes      |
 * | failed    | gave up (failure without retry, or attempts exhausted); resettable | no       |
 * | cancelled | withdrawn; resettable                                             | yes      |
 */
export const TASK_STATUSES = ['blocked', 'available', 'claimed', 'working', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses in which a task has a holder, a slot and a lease. */
export const ACTIVE_STATUSES = ['claimed', 'working'] as const satisfies readonly TaskStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export function isActive(status: TaskStatus): status is ActiveStatus {
  return status === 'claimed' || status === 'working';
}

/** `done` and `cancelled` never change by themselves; only `reset` revives a cancelled task. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'done' || status === 'cancelled';
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

/** A task with the ids of the tasks that depend on it. */
export interface TaskDetail extends Task {
  dependents: string[];
}
