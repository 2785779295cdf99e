// The Store every database gets: validates input, runs the rule as a program on the backend, fans out events.
import { resolveConfig, slotsFor, type CoordinatorConfig, type RuleContext } from './config.js';
import { DomainError } from './errors.js';
import {
  TASK_STATUSES,
  type Actor,
  type BoardStats,
  type Instant,
  type ProjectOverview,
  type SlotView,
  type Task,
  type TaskDetail,
  type TaskEvent,
  type TaskStatus,
} from './model.js';
import type { Program } from './engine/program.js';
import {
  AddTasksInputSchema,
  CancelTaskInputSchema,
  ClaimNextInputSchema,
  ClaimSlotInputSchema,
  ClaimTaskInputSchema,
  CleanAllInputSchema,
  CompleteTaskInputSchema,
  CreateTaskInputSchema,
  EditTaskInputSchema,
  EventsQuerySchema,
  ExpireLeasesInputSchema,
  FailTaskInputSchema,
  GetTaskInputSchema,
  HeartbeatInputSchema,
  HistoryQuerySchema,
  ListSlotsQuerySchema,
  ListTasksQuerySchema,
  ProjectOrDefaultSchema,
  PruneInputSchema,
  ReleaseSlotInputSchema,
  ReleaseTaskInputSchema,
  ResetTaskInputSchema,
  ResetTasksInputSchema,
  StartTaskInputSchema,
  StatsQuerySchema,
  AddNoteInputSchema,
  AnswerQuestionInputSchema,
  ApproveTaskInputSchema,
  AskQuestionInputSchema,
  RejectTaskInputSchema,
  LIMITS,
  type AddNoteInput,
  type AnswerQuestionInput,
  type ApproveTaskInput,
  type AskQuestionInput,
  type RejectTaskInput,
  type AddTasksInput,
  type CancelTaskInput,
  type ClaimNextInput,
  type ClaimSlotInput,
  type ClaimTaskInput,
  type CleanAllInput,
  type CompleteTaskInput,
  type CreateTaskInput,
  type EditTaskInput,
  type EventsQuery,
  type ExpireLeasesInput,
  type FailTaskInput,
  type GetTaskInput,
  type HeartbeatInput,
  type HistoryQuery,
  type ListSlotsQuery,
  type ListTasksQuery,
  type PruneInput,
  type ReleaseSlotInput,
  type ReleaseTaskInput,
  type ResetTaskInput,
  type ResetTasksInput,
  type StartTaskInput,
  type StatsQuery,
} from './schemas.js';
import { failValidation, parseInput } from './validate.js';
import type {
  Backend,
  EventListener,
  ImportBatch,
  NeedsYou,
  PruneResult,
  Store,
  StoreKind,
  TaskPage,
} from './store.js';
import { addTasks, type AddTasksResult } from './rules/add.js';
import { claimNextTask, claimTask, type ClaimResult } from './rules/claim.js';
import {
  completeTask,
  failTask,
  releaseTask,
  startTask,
  type CompleteResult,
  type TaskResult,
} from './rules/holder.js';
import { cancelTask, cleanAll, editTask, resetTask, type CleanAllResult } from './rules/admin.js';
import { resetTasks, type ResetTasksResult } from './rules/reset-batch.js';
import {
  claimSlot,
  heartbeat,
  releaseSlot,
  type HeartbeatResult,
  type ReleaseSlotResult,
  type SlotResult,
} from './rules/slots.js';
import { expireLeases, type ExpireResult } from './rules/leases.js';
import { pruneTasks } from './rules/retention.js';
import { defaultClock, defaultIdGenerator } from './defaults.js';
import { answerQuestion, askQuestion } from './rules/questions.js';
import { approveTask, rejectTask } from './rules/review.js';
import { addNote } from './rules/notes.js';
import { deriveAgents, GONE_WINDOW_MS, type AgentView } from './agents.js';
import { ACTIVE_STATUSES } from './model.js';
import type { DispatchLease, WebhookCursor } from './rules/webhooks.js';
import {
  checkFiles,
  releaseFiles,
  reserveFiles,
  withReservationLifetime,
  type CheckFilesResult,
  type ReleasedResult,
  type ReservationsResult,
} from './rules/reservations.js';
import {
  CheckFilesInputSchema,
  ListReservationsQuerySchema,
  ReleaseFilesInputSchema,
  ReserveFilesInputSchema,
  type CheckFilesInput,
  type ListReservationsQuery,
  type ReleaseFilesInput,
  type ReserveFilesInput,
} from './schemas-files.js';
import { blockedByOf } from './files/conflicts.js';
import { ClaimHints } from './rules/claim-hints.js';

export interface CoordinatorOptions {
  config?: Partial<CoordinatorConfig>;
  /** Milliseconds since the epoch; inject a fake clock in tests. */
  clock?: () => Instant;
  /** Ids for tasks added without one. */
  newId?: () => string;
  /** Called when an event listener throws; listeners never break a command. */
  onListenerError?: (error: unknown, event: TaskEvent) => void;
  /**
   * Who is calling, read once when a command starts (the server answers from the request being
   * served); recorded in `data.actor` of the command's events. Absent or null: nobody recorded.
   */
  actor?: () => Actor | null;
}

/** Runs `program` and stamps `actor` into the data of every event its change appends. */
function* stamped<R>(program: Program<R>, actor: Actor): Program<R> {
  const outcome = yield* program;
  const recorded: Partial<Actor> = {};
  if (actor.token !== null) recorded.token = actor.token;
  if (actor.worker !== null) recorded.worker = actor.worker;
  for (const event of outcome.change.events) event.data = { ...event.data, actor: recorded };
  return outcome;
}

const DEFAULT_PAGE = 100;

function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[0-9]{1,15}$/.test(cursor))
    failValidation('invalid cursor: pass nextCursor from the previous page', [
      { path: 'cursor', message: 'not a cursor from this API' },
    ]);
  return Number(cursor);
}

export class Coordinator implements Store {
  readonly config: CoordinatorConfig;
  private readonly clock: () => Instant;
  private readonly newId: () => string;
  private readonly claimHints = new ClaimHints();
  private readonly listeners = new Set<EventListener>();
  private readonly onListenerError: (error: unknown, event: TaskEvent) => void;
  private readonly actor: () => Actor | null;
  private closed = false;

  constructor(
    private readonly backend: Backend,
    options: CoordinatorOptions = {},
  ) {
    this.config = resolveConfig(options.config);
    this.clock = options.clock ?? defaultClock;
    this.newId = options.newId ?? defaultIdGenerator();
    this.onListenerError = options.onListenerError ?? (() => undefined);
    this.actor = options.actor ?? (() => null);
    this.backend.feed?.start((events) => this.emit(events));
  }

  get kind(): StoreKind {
    return this.backend.kind;
  }

  /** Runs a rule on the backend and, once committed, hands its events to the listeners. */
  private async run<P, R>(rule: (ctx: RuleContext, input: P) => Program<R>, input: P): Promise<R> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    const actor = this.actor();
    const recorded = actor !== null && (actor.token !== null || actor.worker !== null) ? actor : null;
    const { result, events } = await this.backend.execute((now) => {
      const program = withReservationLifetime(
        rule({ now, config: this.config, newId: this.newId, claimHints: this.claimHints }, input),
        now,
      );
      return recorded === null ? program : stamped(program, recorded);
    }, this.clock);
    if (events.length && !this.backend.feed) this.emit(events);
    return result;
  }

  private emit(events: readonly TaskEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async addTasks(input: AddTasksInput): Promise<AddTasksResult> {
    return this.run(addTasks, parseInput(AddTasksInputSchema, input, 'tasks'));
  }

  async addTask(input: CreateTaskInput & { project?: string }): Promise<Task> {
    const { project, ...task } = input;
    const parsed = parseInput(CreateTaskInputSchema, task, 'task');
    const { tasks } = await this.run(addTasks, {
      project: parseInput(ProjectOrDefaultSchema, project, 'project'),
      tasks: [parsed],
    });
    return tasks[0] as Task;
  }

  async claimTask(input: ClaimTaskInput): Promise<ClaimResult> {
    return this.run(claimTask, parseInput(ClaimTaskInputSchema, input, 'claim'));
  }

  async claimNextTask(input: ClaimNextInput): Promise<ClaimResult | null> {
    return this.run(claimNextTask, parseInput(ClaimNextInputSchema, input, 'claim-next'));
  }

  async startTask(input: StartTaskInput): Promise<TaskResult> {
    return this.run(startTask, parseInput(StartTaskInputSchema, input, 'start'));
  }

  async completeTask(input: CompleteTaskInput): Promise<CompleteResult> {
    return this.run(completeTask, parseInput(CompleteTaskInputSchema, input, 'complete'));
  }

  async failTask(input: FailTaskInput): Promise<TaskResult> {
    return this.run(failTask, parseInput(FailTaskInputSchema, input, 'fail'));
  }

  async releaseTask(input: ReleaseTaskInput): Promise<TaskResult> {
    return this.run(releaseTask, parseInput(ReleaseTaskInputSchema, input, 'release'));
  }

  async resetTask(input: ResetTaskInput): Promise<TaskResult> {
    return this.run(resetTask, parseInput(ResetTaskInputSchema, input, 'reset'));
  }

  async resetTasks(input: ResetTasksInput): Promise<ResetTasksResult> {
    return this.run(resetTasks, parseInput(ResetTasksInputSchema, input, 'reset'));
  }

  async cancelTask(input: CancelTaskInput): Promise<TaskResult> {
    return this.run(cancelTask, parseInput(CancelTaskInputSchema, input, 'cancel'));
  }

  async editTask(input: EditTaskInput): Promise<TaskResult> {
    return this.run(editTask, parseInput(EditTaskInputSchema, input, 'edit'));
  }

  async cleanAll(input: CleanAllInput = {}): Promise<CleanAllResult> {
    return this.run(cleanAll, parseInput(CleanAllInputSchema, input, 'clean-all'));
  }

  async claimSlot(input: ClaimSlotInput = {}): Promise<SlotResult> {
    return this.run(claimSlot, parseInput(ClaimSlotInputSchema, input, 'claim-slot'));
  }

  async releaseSlot(input: ReleaseSlotInput): Promise<ReleaseSlotResult> {
    return this.run(releaseSlot, parseInput(ReleaseSlotInputSchema, input, 'release-slot'));
  }

  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    return this.run(heartbeat, parseInput(HeartbeatInputSchema, input, 'heartbeat'));
  }

  async expireLeases(input: ExpireLeasesInput = {}): Promise<ExpireResult> {
    return this.run(expireLeases, parseInput(ExpireLeasesInputSchema, input, 'expire'));
  }

  async askQuestion(input: AskQuestionInput): Promise<TaskResult> {
    return this.run(askQuestion, parseInput(AskQuestionInputSchema, input, 'ask'));
  }

  async answerQuestion(input: AnswerQuestionInput): Promise<TaskResult> {
    return this.run(answerQuestion, parseInput(AnswerQuestionInputSchema, input, 'answer'));
  }

  async approveTask(input: ApproveTaskInput): Promise<CompleteResult> {
    return this.run(approveTask, parseInput(ApproveTaskInputSchema, input, 'approve'));
  }

  async rejectTask(input: RejectTaskInput): Promise<TaskResult> {
    return this.run(rejectTask, parseInput(RejectTaskInputSchema, input, 'reject'));
  }

  async addNote(input: AddNoteInput): Promise<TaskResult> {
    return this.run(addNote, parseInput(AddNoteInputSchema, input, 'note'));
  }

  async needsYou(input: { project?: string } = {}): Promise<NeedsYou> {
    const project = parseInput(ProjectOrDefaultSchema, input.project, 'project');
    const read = (status: TaskStatus) =>
      this.backend.listTasks({
        project,
        statuses: [status],
        label: null,
        worker: null,
        text: null,
        limit: LIMITS.pageMax,
        afterOrd: null,
      });
    const [questions, reviews] = await Promise.all([read('waiting'), read('review')]);
    return {
      questions: questions.tasks,
      reviews: reviews.tasks,
      count: questions.tasks.length + reviews.tasks.length,
    };
  }

  async agents(input: { project?: string } = {}): Promise<AgentView[]> {
    const project = parseInput(ProjectOrDefaultSchema, input.project, 'project');
    const now = this.clock();
    const [slots, held, ended] = await Promise.all([
      this.backend.heldSlots(project),
      this.backend.listTasks({
        project,
        statuses: [...ACTIVE_STATUSES],
        label: null,
        worker: null,
        text: null,
        limit: LIMITS.pageMax,
        afterOrd: null,
      }),
      this.backend.events({
        project,
        afterSeq: 0,
        beforeSeq: null,
        descending: false,
        limit: LIMITS.pageMax,
        taskId: null,
        workerId: null,
        types: ['slot.expired', 'slot.released'],
        since: now - GONE_WINDOW_MS,
        until: null,
      }),
    ]);
    return deriveAgents(project, slots, held.tasks, ended, now, this.config.leaseTtlMs);
  }

  async reserveFiles(input: ReserveFilesInput): Promise<ReservationsResult> {
    return this.run(reserveFiles, parseInput(ReserveFilesInputSchema, input, 'reserve'));
  }

  async releaseFiles(input: ReleaseFilesInput): Promise<ReleasedResult> {
    return this.run(releaseFiles, parseInput(ReleaseFilesInputSchema, input, 'release-files'));
  }

  async checkFiles(input: CheckFilesInput): Promise<CheckFilesResult> {
    return this.run(checkFiles, parseInput(CheckFilesInputSchema, input, 'check'));
  }

  async listReservations(input: ListReservationsQuery = {}): Promise<ReservationsResult> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    const q = parseInput(ListReservationsQuerySchema, input, 'query');
    return {
      reservations: await this.backend.reservations(q.project, q.worker ?? null, q.taskId ?? null),
    };
  }

  async getTask(input: GetTaskInput): Promise<TaskDetail> {
    const { project, taskId } = parseInput(GetTaskInputSchema, input, 'query');
    const task = await this.backend.getTask(project, taskId);
    if (!task) throw new DomainError('TASK_NOT_FOUND', `task ${taskId} does not exist`, { taskId, project });
    const held = ACTIVE_STATUSES.includes(task.status as (typeof ACTIVE_STATUSES)[number]);
    const [reservations, holdings] = await Promise.all([
      held ? this.backend.reservations(project, null, taskId) : Promise.resolve([]),
      task.status === 'available' && task.files.length ? this.backend.holdings(project) : Promise.resolve([]),
    ]);
    return { ...task, reservations, blockedBy: holdings.length ? blockedByOf(task.files, holdings, null) : null };
  }

  async listTasks(query: ListTasksQuery = {}): Promise<TaskPage> {
    const q = parseInput(ListTasksQuerySchema, query, 'query');
    const limit = q.limit ?? DEFAULT_PAGE;
    const { tasks, lastOrd } = await this.backend.listTasks({
      project: q.project,
      statuses: q.status?.length ? q.status : null,
      label: q.label ?? null,
      worker: q.worker ?? null,
      text: q.text ?? null,
      limit,
      afterOrd: decodeCursor(q.cursor),
    });
    return { tasks, nextCursor: lastOrd === null ? null : String(lastOrd) };
  }

  async listSlots(input: ListSlotsQuery = {}): Promise<SlotView[]> {
    const { project } = parseInput(ListSlotsQuerySchema, input, 'query');
    const held = new Map((await this.backend.heldSlots(project)).map((s) => [s.slot, s] as const));
    const count = Math.max(slotsFor(this.config, project), ...held.keys());
    const views: SlotView[] = [];
    for (let slot = 1; slot <= count; slot++) {
      const row = held.get(slot);
      views.push(
        row
          ? {
              project,
              slot,
              free: false,
              worker: row.worker,
              taskId: row.taskId,
              leaseExpiresAt: row.leaseExpiresAt,
              claimedAt: row.claimedAt,
              lastSeenAt: row.lastSeenAt,
            }
          : {
              project,
              slot,
              free: true,
              worker: null,
              taskId: null,
              leaseExpiresAt: null,
              claimedAt: null,
              lastSeenAt: null,
            },
      );
    }
    return views;
  }

  async stats(query: StatsQuery = {}): Promise<BoardStats> {
    const { project } = parseInput(StatsQuerySchema, query, 'query');
    const [counts, slots, lastSeq] = await Promise.all([
      this.backend.countByStatus(project),
      this.backend.heldSlots(project),
      this.backend.lastSeq(),
    ]);
    const tasks = Object.fromEntries(TASK_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<
      TaskStatus,
      number
    >;
    return {
      project,
      tasks,
      total: TASK_STATUSES.reduce((sum, status) => sum + tasks[status], 0),
      slots: {
        total: Math.max(slotsFor(this.config, project), ...slots.map((s) => s.slot)),
        held: slots.length,
        busy: slots.filter((s) => s.taskId !== null).length,
      },
      lastSeq,
    };
  }

  async overview(): Promise<ProjectOverview[]> {
    return (await this.backend.overview()).map(({ project, counts, held, busy }) => ({
      project,
      tasks: Object.fromEntries(TASK_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<
        TaskStatus,
        number
      >,
      slots: { held, busy },
    }));
  }

  async taskHistory(query: HistoryQuery): Promise<TaskEvent[]> {
    const q = parseInput(HistoryQuerySchema, query, 'query');
    return this.backend.history(q.project, q.taskId, q.limit ?? 1000);
  }

  async events(query: EventsQuery = {}): Promise<TaskEvent[]> {
    const q = parseInput(EventsQuerySchema, query, 'query');
    return this.backend.events({
      project: q.project ?? null,
      afterSeq: q.afterSeq ?? 0,
      beforeSeq: q.beforeSeq ?? null,
      descending: q.order === 'desc',
      limit: q.limit ?? DEFAULT_PAGE,
      taskId: q.taskId ?? null,
      workerId: q.workerId ?? null,
      types: q.type ?? null,
      since: q.since ?? null,
      until: q.until ?? null,
    });
  }

  async prune(input: PruneInput): Promise<PruneResult> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    const q = parseInput(PruneInputSchema, input, 'prune');
    const limit = q.limit ?? 500;
    const eventsBefore = q.eventsBefore ?? null;
    const tasksBefore = q.tasksBefore ?? null;
    return this.backend.prune(
      eventsBefore === null ? null : { before: eventsBefore, limit },
      tasksBefore === null
        ? null
        : (now) => pruneTasks({ now, config: this.config, newId: this.newId }, { before: tasksBefore, limit }),
      this.clock,
    );
  }

  async importRecords(batch: ImportBatch): Promise<void> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    await this.backend.importRecords(batch);
  }

  async webhookCursors(): Promise<WebhookCursor[]> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    return this.backend.webhookCursors();
  }

  async advanceWebhookCursor(input: { webhook: string; seq: number }): Promise<WebhookCursor> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    if (!Number.isSafeInteger(input.seq) || input.seq < 0)
      failValidation('seq must be a non-negative integer', [{ path: 'seq', message: 'not a sequence number' }]);
    if (input.webhook.length === 0 || input.webhook.length > 128)
      failValidation('webhook must be 1-128 characters', [{ path: 'webhook', message: 'bad webhook id' }]);
    return this.backend.saveWebhookCursor(input.webhook, input.seq, this.clock());
  }

  async takeDispatchLease(input: { owner: string; ttlMs: number; replacing?: string }): Promise<DispatchLease> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs <= 0)
      failValidation('ttlMs must be a positive integer', [{ path: 'ttlMs', message: 'not a duration' }]);
    return this.backend.takeDispatchLease(input.owner, this.clock(), input.ttlMs, input.replacing ?? null);
  }

  async ping(): Promise<void> {
    return this.backend.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.backend.close();
  }
}
