// The store contract (what the server calls) and the backend seam (what each database implements).
import type { CoordinatorConfig } from './config.js';
import type { BoardStats, EventType, Instant, ProjectOverview, Slot, SlotView, Task, TaskDetail, TaskEvent, TaskStatus } from './model.js';
import type { Program } from './engine/program.js';
import type { ImportBatch } from './board-transfer.js';
import type {
  AddTasksInput,
  CancelTaskInput,
  ClaimNextInput,
  ClaimSlotInput,
  ClaimTaskInput,
  CleanAllInput,
  CompleteTaskInput,
  CreateTaskInput,
  EditTaskInput,
  EventsQuery,
  ExpireLeasesInput,
  FailTaskInput,
  GetTaskInput,
  HeartbeatInput,
  HistoryQuery,
  ListTasksQuery,
  PruneInput,
  ReleaseSlotInput,
  ReleaseTaskInput,
  ResetTaskInput,
  StartTaskInput,
  StatsQuery,
} from './schemas.js';
import type { AddTasksResult } from './rules/add.js';
import type { ClaimResult } from './rules/claim.js';
import type { CompleteResult, TaskResult } from './rules/holder.js';
import type { CleanAllResult } from './rules/admin.js';
import type { HeartbeatResult, ReleaseSlotResult, SlotResult } from './rules/slots.js';
import type { ExpireResult } from './rules/leases.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

export interface TaskPage {
  tasks: Task[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type EventListener = (event: TaskEvent) => void;

/**
 * Everything the coordinator can do, the same on every database. Every method validates its
 * input (VALIDATION_FAILED naming the field) and every command is one atomic step: it either
 * commits whole, with its events, or changes nothing. A resolved promise means committed.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly config: CoordinatorConfig;

  addTasks(input: AddTasksInput): Promise<AddTasksResult>;
  addTask(input: CreateTaskInput & { project?: string }): Promise<Task>;
  claimTask(input: ClaimTaskInput): Promise<ClaimResult>;
  /** The best available task, claimed; null when nothing is available. */
  claimNextTask(input: ClaimNextInput): Promise<ClaimResult | null>;
  startTask(input: StartTaskInput): Promise<TaskResult>;
  completeTask(input: CompleteTaskInput): Promise<CompleteResult>;
  failTask(input: FailTaskInput): Promise<TaskResult>;
  releaseTask(input: ReleaseTaskInput): Promise<TaskResult>;
  resetTask(input: ResetTaskInput): Promise<TaskResult>;
  cancelTask(input: CancelTaskInput): Promise<TaskResult>;
  /** Changes a task's content (description, priority, labels, deadline, maxAttempts). */
  editTask(input: EditTaskInput): Promise<TaskResult>;
  cleanAll(input?: CleanAllInput): Promise<CleanAllResult>;
  claimSlot(input?: ClaimSlotInput): Promise<SlotResult>;
  releaseSlot(input: ReleaseSlotInput): Promise<ReleaseSlotResult>;
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  /** One sweep: expires leases that ran out before now (at most `limit` tasks and slots). */
  expireLeases(input?: ExpireLeasesInput): Promise<ExpireResult>;

  getTask(input: GetTaskInput): Promise<TaskDetail>;
  listTasks(query?: ListTasksQuery): Promise<TaskPage>;
  listSlots(input?: { project?: string }): Promise<SlotView[]>;
  taskHistory(query: HistoryQuery): Promise<TaskEvent[]>;
  stats(query?: StatsQuery): Promise<BoardStats>;
  /** Every project that has tasks or held slots, by project name: what metrics export. */
  overview(): Promise<ProjectOverview[]>;
  /** Committed events after `afterSeq` matching every filter given, in seq order (the audit log). */
  events(query?: EventsQuery): Promise<TaskEvent[]>;
  /** Calls `listener` with every event this store commits, after it commits, in seq order. */
  subscribe(listener: EventListener): () => void;

  /**
   * One retention pass, a short transaction of its own: removes at most `limit` events older than
   * `eventsBefore` and at most `limit` finished tasks (done, cancelled) last changed before
   * `tasksBefore`. The newest event always stays (seqs go on from it). A task is removed only when
   * no remaining task depends on it, so nothing left ever names a missing dependency: a finished
   * chain goes leaf first, over successive passes. Adding a task that depends on a removed one is
   * UNKNOWN_DEPENDENCY, as for any id that does not exist.
   */
  prune(input: PruneInput): Promise<PruneResult>;

  /**
   * Writes rows exactly as given (ids, statuses, versions, event seqs), in one transaction: the
   * receiving end of moving a board between stores (see board-transfer.ts, which refuses a store
   * that is not empty). Later events get seqs after the largest imported one.
   */
  importRecords(batch: ImportBatch): Promise<void>;

  /** Resolves when the database answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How many rows one retention pass removed. */
export interface PruneResult {
  events: number;
  tasks: number;
}

/** A project's counts as a backend reads them (statuses without tasks may be missing). */
export interface BackendOverview {
  project: string;
  counts: Partial<Record<TaskStatus, number>>;
  held: number;
  busy: number;
}

/** An events query after validation: null means "any". `since` is inclusive, `until` exclusive. */
export interface EventFilter {
  project: string | null;
  afterSeq: number;
  limit: number;
  taskId: string | null;
  workerId: string | null;
  types: EventType[] | null;
  since: Instant | null;
  until: Instant | null;
}

/** Whether an event passes a filter (beyond afterSeq and limit): the memory store's test, and the SQL stores' spec. */
export function eventMatches(event: TaskEvent, filter: EventFilter): boolean {
  return (
    (filter.project === null || event.project === filter.project) &&
    (filter.taskId === null || event.taskId === filter.taskId) &&
    (filter.workerId === null || event.workerId === filter.workerId) &&
    (filter.types === null || filter.types.includes(event.type)) &&
    (filter.since === null || event.at >= filter.since) &&
    (filter.until === null || event.at < filter.until)
  );
}

/** A list query after validation, as backends receive it. */
export interface ListQuery {
  project: string;
  statuses: TaskStatus[] | null;
  label: string | null;
  worker: string | null;
  text: string | null;
  limit: number;
  /** Creation-order position after which the page starts. */
  afterOrd: number | null;
}

/**
 * What a database implements. Thin by design: it answers Loads, persists Changes atomically and
 * reads. No rule lives here: the rules are the programs it runs.
 */
export interface Backend {
  readonly kind: StoreKind;
  /**
   * Runs one command as one transaction: `program(now)` with `now` read from `clock` when the
   * transaction starts, every Load answered inside it, the Change persisted, then commit.
   * Resolves only after a durable commit, with the events it committed (seq assigned).
   */
  execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }>;
  getTask(project: string, id: string): Promise<TaskDetail | null>;
  /** Tasks in creation order, plus the creation-order position of the last one when more follow. */
  listTasks(query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }>;
  heldSlots(project: string): Promise<Slot[]>;
  countByStatus(project: string): Promise<Partial<Record<TaskStatus, number>>>;
  /** Task counts by status and held/busy slots of every project that has either, sorted by project. */
  overview(): Promise<BackendOverview[]>;
  /** The seq of the newest committed event; 0 when there is none. */
  lastSeq(): Promise<number>;
  history(project: string, taskId: string, limit: number): Promise<TaskEvent[]>;
  /** Store.importRecords: the rows as given, one transaction. */
  importRecords(batch: ImportBatch): Promise<void>;
  /** One retention pass as Store.prune describes it (null: that kind is not pruned). */
  prune(eventsBefore: Instant | null, tasksBefore: Instant | null, limit: number): Promise<PruneResult>;
  events(filter: EventFilter): Promise<TaskEvent[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * For a database several processes write to: the backend delivers every committed event (its
   * own and other replicas'), in seq order, through `onEvents`; the coordinator then does not
   * deliver events from its own commands itself. Absent: the coordinator delivers its own.
   */
  feed?: { start(onEvents: (events: readonly TaskEvent[]) => void): void };
}
