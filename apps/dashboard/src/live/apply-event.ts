// The dashboard's copy of the board, and how events move it. The board is immutable: a batch of
// events (one frame's worth) makes a new board that shares every column it did not touch, so a
// view subscribed to one column re-renders only when that column changed.
//
// Events carry what changed in the row (`data.row`, written by core's ChangeSet for every rule);
// the projection is core's `taskAfterEvent`: nothing here re-derives a rule.
import { TASK_STATUSES, taskAfterEvent, type Task, type TaskEvent, type TaskStatus } from '@task-coordinator/core';

export type Column = ReadonlyMap<string, Task>;

export interface BoardData {
  /** Every task by id. */
  readonly tasks: ReadonlyMap<string, Task>;
  /** The tasks of each status by id; a column's map is replaced only when one of its tasks changed. */
  readonly columns: Readonly<Record<TaskStatus, Column>>;
  /** Task id → ids of the tasks that depend on it. */
  readonly dependents: ReadonlyMap<string, ReadonlySet<string>>;
}

const EMPTY_COLUMN: Column = new Map();

export function emptyBoard(): BoardData {
  return {
    tasks: new Map(),
    columns: Object.fromEntries(TASK_STATUSES.map((s) => [s, EMPTY_COLUMN])) as Record<TaskStatus, Column>,
    dependents: new Map(),
  };
}

/**
 * Changes to one board, copied on first write: the task map once, each touched column once, the
 * dependents index when a task arrives. `finish()` gives the new board (the same one if nothing changed).
 */
export class BoardDraft {
  private tasks: Map<string, Task> | null = null;
  private readonly columns = new Map<TaskStatus, Map<string, Task>>();
  private dependents: Map<string, ReadonlySet<string>> | null = null;
  private readonly copiedSets = new Set<string>();
  private cleared = false;

  constructor(private base: BoardData) {}

  get(id: string): Task | undefined {
    return (this.tasks ?? this.base.tasks).get(id);
  }

  private column(status: TaskStatus): Map<string, Task> {
    let column = this.columns.get(status);
    if (!column) this.columns.set(status, (column = new Map(this.base.columns[status])));
    return column;
  }

  /** Puts `task` as it is now (it may have moved between columns). */
  set(task: Task): void {
    const tasks = (this.tasks ??= new Map(this.base.tasks));
    const before = tasks.get(task.id);
    tasks.set(task.id, task);
    if (before && before.status !== task.status) this.column(before.status).delete(task.id);
    this.column(task.status).set(task.id, task);
    if (!before) this.index(task);
  }

  private index(task: Task): void {
    if (!task.dependencies.length) return;
    const dependents = (this.dependents ??= new Map(this.base.dependents));
    for (const dependency of task.dependencies) {
      const current = dependents.get(dependency);
      let set: Set<string>;
      if (current && this.copiedSets.has(dependency)) set = current as Set<string>;
      else {
        set = new Set(current);
        dependents.set(dependency, set);
        this.copiedSets.add(dependency);
      }
      set.add(task.id);
    }
  }

  /** Forgets every task (clean-all). */
  clear(): void {
    this.base = emptyBoard();
    this.tasks = null;
    this.columns.clear();
    this.dependents = null;
    this.copiedSets.clear();
    this.cleared = true;
  }

  /** True when this draft changed anything. */
  get changed(): boolean {
    return this.cleared || this.tasks !== null;
  }

  finish(): BoardData {
    if (!this.changed) return this.base;
    const columns = { ...this.base.columns };
    for (const [status, column] of this.columns) columns[status] = column;
    return { tasks: this.tasks ?? this.base.tasks, columns, dependents: this.dependents ?? this.base.dependents };
  }
}

/**
 * Puts a task as the API returned it, unless the board already holds a later state of it: an
 * action's answer can arrive after the events that followed it (an agent claimed the task just
 * reset), and must not roll the card back. Versions grow with every write of the row.
 */
export function putTask(draft: BoardDraft, task: Task): boolean {
  const current = draft.get(task.id);
  if (current && current.version >= task.version) return false;
  draft.set(task);
  return true;
}

/** Applies a committed event. Returns whether anything changed. */
export function applyEvent(draft: BoardDraft, event: TaskEvent): boolean {
  if (event.type === 'tasks.cleaned') {
    draft.clear();
    return true;
  }
  if (event.taskId === null) return false;
  const before = draft.get(event.taskId);
  // Already on the board: the tasks loaded after the seq this board follows from include it.
  if (event.type === 'task.added' && before) return false;
  const after = taskAfterEvent(before, event);
  if (!after || (before && before.version >= after.version)) return false;
  draft.set(after);
  return true;
}

/** A board from scratch: `events` applied to an empty one (tests, and a replay of history). */
export function replay(events: Iterable<TaskEvent>, base: BoardData = emptyBoard()): BoardData {
  const draft = new BoardDraft(base);
  for (const event of events) applyEvent(draft, event);
  return draft.finish();
}
