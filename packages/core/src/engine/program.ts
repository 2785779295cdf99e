// Commands as pure programs: they ask for rows (Loads) and return a result plus the rows to write.
//
// A command is a generator that yields Load requests and finally returns an Outcome. It never
// touches a database: a store's driver answers each Load from inside its own transaction (with
// runSync for SQLite and memory; PostgreSQL steps many programs together, answering their loads
// in batches), then persists the Outcome's Change atomically.
// So every rule is written once here, and every store runs the very same code.
import type { EventDraft, FileHolding, Instant, Reservation, Slot, Task, TaskStatus } from '../model.js';

/** The reads a rule may ask for. Each store answers them with an indexed query. */
export type Load =
  /** The tasks of `ids` that exist, in any order. */
  | { kind: 'tasks'; project: string; ids: readonly string[] }
  /**
   * id → status for the tasks of `ids` that exist. `hold`: keep them from changing until this
   * command commits (a new task must not miss its dependency completing meanwhile).
   */
  | { kind: 'statuses'; project: string; ids: readonly string[]; hold: boolean }
  /** Tasks having `id` among their dependencies, optionally only those in `status`. */
  | { kind: 'dependents'; project: string; id: string; status: TaskStatus | null }
  /**
   * The first available task in claim order, optionally carrying one of `labels`, other than the
   * tasks of `skip` (absent: none skipped; claim-next skips tasks whose files are held).
   */
  | { kind: 'nextAvailable'; project: string; labels: readonly string[] | null; skip?: readonly string[] }
  /**
   * Available tasks in claim order (optionally carrying one of `labels`), `limit` of them after
   * the first `offset`: the candidates claim-next checks against held files when the first one
   * conflicts. Not locked: the rule then loads the task it picks (`tasks`) and checks it again.
   */
  | { kind: 'availablePage'; project: string; labels: readonly string[] | null; offset: number; limit: number }
  /** The active (claimed/working) tasks held by `worker`. */
  | { kind: 'workerTasks'; project: string; worker: string }
  /** The held slot `slot`, or null when free. */
  | { kind: 'slot'; project: string; slot: number }
  /** The slots held by `worker`, by slot number. */
  | { kind: 'workerSlots'; project: string; worker: string }
  /** The numbers of all held slots of the project, ascending. */
  | { kind: 'heldSlotNumbers'; project: string }
  /** Active tasks whose lease ended before `now`, oldest lease first, across projects. */
  | { kind: 'expiredTasks'; now: Instant; limit: number }
  /** Held slots whose lease ended before `now`, oldest lease first, across projects. */
  | { kind: 'expiredSlots'; now: Instant; limit: number }
  /** How many tasks the project has. */
  | { kind: 'countTasks'; project: string }
  /**
   * Tasks in `statuses` last changed before `before` that no remaining task depends on, across
   * projects, in retention order (compareRetentionOrder in rules/retention.ts: oldest change first,
   * then creation order), at most `limit`. A store with concurrent writers skips rows another
   * transaction holds and holds the rows it returns until commit.
   */
  | { kind: 'prunableTasks'; statuses: readonly TaskStatus[]; before: Instant; limit: number }
  /**
   * What every worker holds on the project's files: all its reservations, and the declared files
   * of every held (claimed/working/waiting) task as `declared`. Conflict checks read this; a store
   * serialises the commands that read it (PostgreSQL: a per-project lock), so two of them never
   * both grant overlapping files.
   */
  | { kind: 'holdings'; project: string; near: Near | null }
  /** The reservations of the tasks `taskIds`, by task then creation. */
  | { kind: 'taskReservations'; project: string; taskIds: readonly string[] }
  /**
   * The holdings versions of `workers` (keys; `''` is "some task's declared files changed") that the
   * store has: one not stored is 0. A key's version goes up with every change that lists it in
   * `bumpHoldings`, so an unchanged version means what that worker holds did not shrink or change
   * hands in between (rules/claim-hints.ts relies on it).
   */
  | { kind: 'holdingsVersions'; project: string; workers: readonly string[] };

/**
 * Which reservations a `holdings` load must include (null: all): those whose static prefix
 * (`patternBase`) is one of `prefixes`, or lies under one of `under` (starts with it and a `/`).
 * Built by `nearOf` from the patterns being checked; every other reservation shares no path with
 * them. Declared files of held tasks are always all included.
 */
export interface Near {
  prefixes: string[];
  under: string[];
}

/** The holdings version key that moves when some task's declared files change (no worker id is empty). */
export const FILES_KEY = '';

/** What each Load kind answers. */
export interface LoadResults {
  tasks: Task[];
  statuses: Map<string, TaskStatus>;
  dependents: Task[];
  nextAvailable: Task | null;
  /** Candidates only: id and declared files (the rule loads the one it picks). */
  availablePage: Array<Pick<Task, 'id' | 'files'>>;
  workerTasks: Task[];
  slot: Slot | null;
  workerSlots: Slot[];
  heldSlotNumbers: number[];
  expiredTasks: Task[];
  expiredSlots: Slot[];
  countTasks: number;
  prunableTasks: Task[];
  holdings: FileHolding[];
  taskReservations: Reservation[];
  holdingsVersions: Map<string, number>;
}

/** The writes of one command, applied by the store in the command's transaction. */
export interface Change {
  /** New tasks; their dependency edges are written with them. */
  insertTasks: Task[];
  /** Changed tasks; each applies only if the stored version is still `task.version - 1`. */
  updateTasks: Task[];
  /** Remove every task (and edge) of this project: clean-all. */
  deleteProject: string | null;
  /**
   * Removed tasks with their dependency edges (retention); each applies only while no remaining
   * task depends on it (a store with concurrent writers re-checks at the delete).
   */
  deleteTasks: Task[];
  /** Slots newly taken (free until now): an insert, which fails if someone took the slot meanwhile. */
  insertSlots: Slot[];
  /** Held slots that change (this command read them). */
  updateSlots: Slot[];
  /** Slots that become free. */
  deleteSlots: Array<{ project: string; slot: number }>;
  events: EventDraft[];
  /** New reservations; one with the key (project, taskId, pattern) of a stored one replaces it. */
  insertReservations: Reservation[];
  /** Reservations to remove: the `patterns` of the task, or every one of it when null. */
  deleteReservations: Array<{ project: string; taskId: string; patterns: string[] | null }>;
  /**
   * Tasks this change moves out of the held statuses (claimed/working/waiting), with their holder:
   * their reservations end in this same change (see rules/reservations.ts, withReservationLifetime).
   */
  leftHeld: Array<{ project: string; taskId: string; worker: string | null }>;
  /**
   * Holdings versions that go up (by one each) with this change: a worker's when what it holds may
   * shrink or change hands (a reservation of its deleted or made shared; a task it holds that
   * declares files leaves the held statuses or changes hands), `''`'s when a task's declared files
   * change or the project is cleared. Growth (a new reservation, a claim of a task declaring files)
   * bumps nothing. Each (project, worker) at most once.
   */
  bumpHoldings: Array<{ project: string; worker: string }>;
}

export interface Outcome<R> {
  result: R;
  change: Change;
}

export type Program<R> = Generator<Load, Outcome<R>, unknown>;

/** A program that yields one load and returns its typed answer; use with `yield*`. */
export type Ask<T> = Generator<Load, T, unknown>;

export function* ask<K extends Load['kind']>(load: Extract<Load, { kind: K }>): Ask<LoadResults[K]> {
  return (yield load) as LoadResults[K];
}

export function emptyChange(): Change {
  return {
    insertTasks: [],
    updateTasks: [],
    deleteProject: null,
    deleteTasks: [],
    insertSlots: [],
    updateSlots: [],
    deleteSlots: [],
    events: [],
    insertReservations: [],
    deleteReservations: [],
    leftHeld: [],
    bumpHoldings: [],
  };
}

export function isEmptyChange(change: Change): boolean {
  return (
    change.insertTasks.length === 0 &&
    change.updateTasks.length === 0 &&
    change.deleteProject === null &&
    change.deleteTasks.length === 0 &&
    change.insertSlots.length === 0 &&
    change.updateSlots.length === 0 &&
    change.deleteSlots.length === 0 &&
    change.events.length === 0 &&
    change.insertReservations.length === 0 &&
    change.deleteReservations.length === 0 &&
    change.bumpHoldings.length === 0
  );
}

/** Runs a program against a synchronous loader (SQLite inside BEGIN IMMEDIATE, memory). */
export function runSync<R>(program: Program<R>, load: (request: Load) => unknown): Outcome<R> {
  let step = program.next();
  while (!step.done) step = program.next(load(step.value));
  return step.value;
}

/** Runs a program against an asynchronous loader, one load at a time (a transaction of its own). */
export async function runAsync<R>(program: Program<R>, load: (request: Load) => Promise<unknown>): Promise<Outcome<R>> {
  let step = program.next();
  while (!step.done) step = program.next(await load(step.value));
  return step.value;
}
