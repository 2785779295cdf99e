// Commands as pure programs: they ask for rows (Loads) and return a result plus the rows to write.
//
// A command is a generator that yields Load requests and finally returns an Outcome. It never
// touches a database: a store's driver answers each Load from inside its own transaction (with
// runSync for SQLite and memory; PostgreSQL steps many programs together, answering their loads
// in batches), then persists the Outcome's Change atomically.
// So every rule is written once here, and every store runs the very same code.
import type { EventDraft, Instant, Slot, Task, TaskStatus } from '../model.js';

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
  /** The first available task in claim order, optionally carrying one of `labels`. */
  | { kind: 'nextAvailable'; project: string; labels: readonly string[] | null }
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
  | { kind: 'countTasks'; project: string };

/** What each Load kind answers. */
export interface LoadResults {
  tasks: Task[];
  statuses: Map<string, TaskStatus>;
  dependents: Task[];
  nextAvailable: Task | null;
  workerTasks: Task[];
  slot: Slot | null;
  workerSlots: Slot[];
  heldSlotNumbers: number[];
  expiredTasks: Task[];
  expiredSlots: Slot[];
  countTasks: number;
}

/** The writes of one command, applied by the store in the command's transaction. */
export interface Change {
  /** New tasks; their dependency edges are written with them. */
  insertTasks: Task[];
  /** Changed tasks; each applies only if the stored version is still `task.version - 1`. */
  updateTasks: Task[];
  /** Remove every task (and edge) of this project: clean-all. */
  deleteProject: string | null;
  /** Slots newly taken (free until now): an insert, which fails if someone took the slot meanwhile. */
  insertSlots: Slot[];
  /** Held slots that change (this command read them). */
  updateSlots: Slot[];
  /** Slots that become free. */
  deleteSlots: Array<{ project: string; slot: number }>;
  events: EventDraft[];
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
  return { insertTasks: [], updateTasks: [], deleteProject: null, insertSlots: [], updateSlots: [], deleteSlots: [], events: [] };
}

export function isEmptyChange(change: Change): boolean {
  return (
    change.insertTasks.length === 0 &&
    change.updateTasks.length === 0 &&
    change.deleteProject === null &&
    change.insertSlots.length === 0 &&
    change.updateSlots.length === 0 &&
    change.deleteSlots.length === 0 &&
    change.events.length === 0
  );
}

/** Runs a program against a synchronous loader (SQLite inside BEGIN IMMEDIATE, memory). */
export function runSync<R>(program: Program<R>, load: (request: Load) => unknown): Outcome<R> {
  let step = program.next();
  while (!step.done) step = program.next(load(step.value));
  return step.value;
}
