// The store contract (what the server calls) and the backend seam (what each database implements).
import type { CoordinatorConfig } from './config.js';
import type {
  FileHolding,
  Reservation,
  BoardStats,
  EventType,
  Instant,
  ProjectOverview,
  Slot,
  SlotView,
  Task,
  TaskDetail,
  TaskEvent,
  TaskStatus,
} from './model.js';
import type { Program } from './engine/program.js';
import type {
  AddNoteInput,
  AddTasksInput,
  AnswerQuestionInput,
  ApproveTaskInput,
  AskQuestionInput,
  RejectTaskInput,
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
  ListSlotsQuery,
  ListTasksQuery,
  PruneInput,
  ReleaseSlotInput,
  ReleaseTaskInput,
  ResetTaskInput,
  ResetTasksInput,
  StartTaskInput,
  StatsQuery,
} from './schemas.js';
import type { AddTasksResult } from './rules/add.js';
import type { ClaimResult } from './rules/claim.js';
import type { CompleteResult, TaskResult } from './rules/holder.js';
import type { CleanAllResult } from './rules/admin.js';
import type { ResetTasksResult } from './rules/reset-batch.js';
import type { HeartbeatResult, ReleaseSlotResult, SlotResult } from './rules/slots.js';
import type { ExpireResult } from './rules/leases.js';
import type { AgentView } from './agents.js';
import type { DispatchLease, WebhookCursor } from './rules/webhooks.js';
import type { CheckFilesResult, ReleasedResult, ReservationsResult } from './rules/reservations.js';
import type { CheckFilesInput, ListReservationsQuery, ReleaseFilesInput, ReserveFilesInput } from './schemas-files.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/** Tasks that wait on a person. */
export interface NeedsYou {
  questions: Task[];
  reviews: Task[];
  count: number;
}

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
  /** Resets many failed/cancelled tasks in one step; the others are skipped and named. */
  resetTasks(input: ResetTasksInput): Promise<ResetTasksResult>;
  cancelTask(input: CancelTaskInput): Promise<TaskResult>;
  /** Changes a task's content (description, priority, labels, deadline, maxAttempts). */
  editTask(input: EditTaskInput): Promise<TaskResult>;
  cleanAll(input?: CleanAllInput): Promise<CleanAllResult>;
  claimSlot(input?: ClaimSlotInput): Promise<SlotResult>;
  releaseSlot(input: ReleaseSlotInput): Promise<ReleaseSlotResult>;
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
  /** One sweep: expires leases that ran out before now (at most `limit` tasks and slots). */
  expireLeases(input?: ExpireLeasesInput): Promise<ExpireResult>;

  /** The holder asks a person: → waiting (still held). LEASE_LOST for anyone else. */
  askQuestion(input: AskQuestionInput): Promise<TaskResult>;
  /** A person answers a waiting task's question: → working. INVALID_TRANSITION unless waiting. */
  answerQuestion(input: AnswerQuestionInput): Promise<TaskResult>;
  /** review → done, dependents unblocked in the same step. INVALID_TRANSITION unless in review. */
  approveTask(input: ApproveTaskInput): Promise<CompleteResult>;
  /** review → available with the reviewer's note attached. INVALID_TRANSITION unless in review. */
  rejectTask(input: RejectTaskInput): Promise<TaskResult>;
  /** Appends a note (agents and people alike). */
  addNote(input: AddNoteInput): Promise<TaskResult>;
  /** What waits on a person: open questions and tasks in review, in creation order. */
  needsYou(input?: { project?: string }): Promise<NeedsYou>;
  /** Every worker with a slot (and those gone in the last hour), what needs attention first. */
  agents(input?: { project?: string }): Promise<AgentView[]>;

  /** The holder of a task reserves files for it, all or nothing (FILES_CONFLICT naming each conflict). */
  reserveFiles(input: ReserveFilesInput): Promise<ReservationsResult>;
  /** The holder releases some (or all) of its task's reservations. */
  releaseFiles(input: ReleaseFilesInput): Promise<ReleasedResult>;
  /** Live reservations of a project, optionally of one worker or task. */
  listReservations(input?: ListReservationsQuery): Promise<ReservationsResult>;
  /** Whether each path is free of other workers' holdings (reservations and held tasks' declared files). */
  checkFiles(input: CheckFilesInput): Promise<CheckFilesResult>;

  getTask(input: GetTaskInput): Promise<TaskDetail>;
  listTasks(query?: ListTasksQuery): Promise<TaskPage>;
  listSlots(input?: ListSlotsQuery): Promise<SlotView[]>;
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
   * UNKNOWN_DEPENDENCY, as for any id that does not exist. Which tasks, and in which order (oldest
   * change first, then creation order), is the retention rule's (rules/retention.ts).
   */
  prune(input: PruneInput): Promise<PruneResult>;

  /**
   * Writes rows exactly as given (ids, statuses, versions, event seqs), in one transaction: the
   * receiving end of moving a board between stores (see board-transfer.ts, which refuses a store
   * that is not empty). Later events get seqs after the largest imported one.
   */
  importRecords(batch: ImportBatch): Promise<void>;

  /** Every webhook's delivery cursor (see rules/webhooks.ts), by webhook id. */
  webhookCursors(): Promise<WebhookCursor[]>;
  /** Records that `webhook` has everything up to `seq`; cursors only move forward. Answers the stored cursor. */
  advanceWebhookCursor(input: { webhook: string; seq: number }): Promise<WebhookCursor>;
  /** Takes or renews the lease on delivering webhooks for `ttlMs` (takeLease); answers who holds it now. */
  takeDispatchLease(input: { owner: string; ttlMs: number; replacing?: string }): Promise<DispatchLease>;

  /** Resolves when the database answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A task with the ids of the tasks depending on it: what a backend reads (the Coordinator adds the rest of TaskDetail). */
export type TaskWithDependents = Omit<TaskDetail, 'reservations' | 'blockedBy'>;

/** Rows exactly as a store holds them, written by Store.importRecords (board-transfer.ts reads and checks them). */
export interface ImportBatch {
  tasks: Task[];
  slots: Slot[];
  /** Reservations of tasks written in this batch or an earlier one. */
  reservations: Reservation[];
  events: TaskEvent[];
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
  /** Newest first: events with a seq below this (null: no bound), in descending seq order. */
  beforeSeq: number | null;
  descending: boolean;
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
  getTask(project: string, id: string): Promise<TaskWithDependents | null>;
  /** Live reservations of a project (optionally of one worker and/or task), by task then creation. */
  reservations(project: string, worker: string | null, taskId: string | null): Promise<Reservation[]>;
  /** What the `holdings` Load answers, read outside a command (task pages). */
  holdings(project: string): Promise<FileHolding[]>;
  /** Tasks in creation order, plus the creation-order position of the last one when more follow. */
  listTasks(query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }>;
  heldSlots(project: string): Promise<Slot[]>;
  countByStatus(project: string): Promise<Partial<Record<TaskStatus, number>>>;
  /** Task counts by status and held/busy slots of every project that has either, sorted by project. */
  overview(): Promise<BackendOverview[]>;
  /**
   * The seq of the newest committed event readers may see; 0 when there is none. Every reader of
   * the event log (lastSeq, history, events, pruning) stops at the same point: with a feed, no
   * event the feed has not delivered yet (SQLite: not yet durable, see sqlite-backend.ts).
   */
  lastSeq(): Promise<number>;
  history(project: string, taskId: string, limit: number): Promise<TaskEvent[]>;
  /** Store.importRecords: the rows as given, one transaction. */
  importRecords(batch: ImportBatch): Promise<void>;
  /**
   * One retention pass as Store.prune describes it, one short transaction: the events part is the
   * store's own (the log is not rows a rule reads); `tasks` is the retention rule (rules/retention.ts),
   * run like any command, its Change written in the same transaction (null: that kind is not pruned).
   */
  prune(
    events: { before: Instant; limit: number } | null,
    tasks: ((now: Instant) => Program<number>) | null,
    clock: () => Instant,
  ): Promise<PruneResult>;
  events(filter: EventFilter): Promise<TaskEvent[]>;
  webhookCursors(): Promise<WebhookCursor[]>;
  /** In one transaction: the webhook's cursor row, `advanceCursor`, the result written. */
  saveWebhookCursor(webhook: string, seq: number, now: Instant): Promise<WebhookCursor>;
  /** In one transaction, serialized with every other taker: the lease row, `takeLease`, the result written. */
  takeDispatchLease(owner: string, now: Instant, ttlMs: number, replacing: string | null): Promise<DispatchLease>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The backend delivers committed events itself, in seq order, through `onEvents`, before it
   * answers the commands that wrote them; the coordinator then does not deliver events from its
   * own commands. PostgreSQL: every replica's events, from the table. SQLite: its own, once their
   * commit's fsync has returned (the step in which readers of the event log may see them).
   * Absent: the coordinator delivers its own.
   */
  feed?: { start(onEvents: (events: readonly TaskEvent[]) => void): void };
}
