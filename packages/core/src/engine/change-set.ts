// Accumulates the writes of one command: each task and slot written at most once, last write wins.
import {
  isActive,
  type EventDraft,
  type EventType,
  type Instant,
  type Reservation,
  type Slot,
  type Task,
} from '../model.js';
import { rowChange } from './event-row.js';
import { FILES_KEY, type Change } from './program.js';

export class ChangeSet {
  private readonly inserts = new Map<string, Task>();
  private readonly updates = new Map<string, Task>();
  /** Each updated task as first loaded: its events carry the difference (`data.row`). */
  private readonly loaded = new Map<string, Task>();
  /** A Slot to put, or null to free it. */
  private readonly slots = new Map<string, Slot | { project: string; slot: number; deleted: true }>();
  /** Keys of slots this command takes anew (insert), as opposed to changes of held slots. */
  private readonly newSlots = new Set<string>();
  private deletedProject: string | null = null;
  private readonly deletedTasks: Task[] = [];
  private readonly events: EventDraft[] = [];
  private readonly reservations: Reservation[] = [];
  private readonly unreserved: Change['deleteReservations'] = [];
  /** Holdings versions to bump, by key (see Change.bumpHoldings). */
  private readonly bumps = new Map<string, { project: string; worker: string }>();

  constructor(readonly now: Instant) {}

  insertTask(task: Task): Task {
    this.inserts.set(task.id, task);
    return task;
  }

  /**
   * Records a changed task. `loaded` is the row as the store returned it (its version is the one
   * the update is conditioned on); calling again for the same task merges into the same write.
   */
  updateTask(loaded: Task, patch: Partial<Task>): Task {
    const pending = this.inserts.get(loaded.id) ?? this.updates.get(loaded.id);
    const base = pending ?? loaded;
    const next: Task = { ...base, ...patch, updatedAt: this.now, version: pending ? base.version : loaded.version + 1 };
    if (this.inserts.has(loaded.id)) this.inserts.set(loaded.id, next);
    else {
      if (!pending) this.loaded.set(loaded.id, loaded);
      this.updates.set(loaded.id, next);
    }
    return next;
  }

  /** The latest pending state of a task, if this command already wrote it. */
  pendingTask(id: string): Task | undefined {
    return this.inserts.get(id) ?? this.updates.get(id);
  }

  /** Writes a held slot (one this command read). */
  putSlot(slot: Slot): Slot {
    this.slots.set(`${slot.project}\u0000${slot.slot}`, slot);
    return slot;
  }

  /** Takes a free slot: the store inserts it, and a concurrent taker makes one of them retry. */
  insertSlot(slot: Slot): Slot {
    const key = `${slot.project}\u0000${slot.slot}`;
    this.newSlots.add(key);
    this.slots.set(key, slot);
    return slot;
  }

  deleteSlot(project: string, slot: number): void {
    this.slots.set(`${project}\u0000${slot}`, { project, slot, deleted: true });
  }

  /** The latest pending state of a slot: a Slot, 'free' when this command freed it, or undefined. */
  pendingSlot(project: string, slot: number): Slot | 'free' | undefined {
    const value = this.slots.get(`${project}\u0000${slot}`);
    if (value === undefined) return undefined;
    return 'deleted' in value ? 'free' : value;
  }

  /** Removes a task the command read, with its dependency edges. */
  deleteTask(task: Task): void {
    this.deletedTasks.push(task);
  }

  /** A reservation to write (replacing one of the same task and pattern). */
  reserve(reservation: Reservation): void {
    this.reservations.push(reservation);
  }

  /** Removes the `patterns` reservations of a task, or all of them (null). */
  unreserve(project: string, taskId: string, patterns: string[] | null): void {
    this.unreserved.push({ project, taskId, patterns });
  }

  /** What `worker` holds in `project` shrinks or changes hands (a deleted reservation: build() sees tasks only). */
  holdingsShrink(project: string, worker: string): void {
    this.bumps.set(`${project}\u0000${worker}`, { project, worker });
  }

  deleteProject(project: string): void {
    this.deletedProject = project;
  }

  event(
    type: EventType,
    project: string,
    fields: { taskId?: string | null; workerId?: string | null; slot?: number | null },
    data: Record<string, unknown> = {},
  ): void {
    this.events.push({
      type,
      at: this.now,
      project,
      taskId: fields.taskId ?? null,
      workerId: fields.workerId ?? null,
      slot: fields.slot ?? null,
      data,
    });
  }

  build(): Change {
    const insertSlots: Slot[] = [];
    const updateSlots: Slot[] = [];
    const deleteSlots: Array<{ project: string; slot: number }> = [];
    for (const [key, value] of this.slots) {
      if ('deleted' in value) {
        if (!this.newSlots.has(key)) deleteSlots.push({ project: value.project, slot: value.slot });
      } else if (this.newSlots.has(key)) insertSlots.push(value);
      else updateSlots.push(value);
    }
    // Every event about a task this command updated carries what changed in its row, so readers
    // follow the board from the events (see event-row.ts). Added tasks' events carry their fields.
    for (const event of this.events) {
      const after = event.taskId === null ? undefined : this.updates.get(event.taskId);
      if (after) event.data = { ...event.data, row: rowChange(this.loaded.get(after.id) as Task, after) };
    }
    if (this.deletedProject !== null) this.holdingsShrink(this.deletedProject, FILES_KEY);
    for (const after of this.updates.values()) {
      const before = this.loaded.get(after.id) as Task;
      if (!sameFiles(before, after)) this.holdingsShrink(after.project, FILES_KEY);
      if (before.files.length && before.worker !== null && isActive(before.status))
        if (!isActive(after.status) || after.worker !== before.worker || !sameFiles(before, after))
          this.holdingsShrink(after.project, before.worker);
    }
    return {
      insertTasks: [...this.inserts.values()],
      updateTasks: [...this.updates.values()],
      deleteProject: this.deletedProject,
      deleteTasks: this.deletedTasks,
      insertSlots,
      updateSlots,
      deleteSlots,
      events: this.events,
      insertReservations: this.reservations,
      deleteReservations: this.unreserved,
      leftHeld: [...this.updates.values()]
        .filter((after) => !isActive(after.status) && isActive((this.loaded.get(after.id) as Task).status))
        .map((after) => ({
          project: after.project,
          taskId: after.id,
          worker: (this.loaded.get(after.id) as Task).worker,
        })),
      bumpHoldings: [...this.bumps.values()],
    };
  }
}

function sameFiles(a: Task, b: Task): boolean {
  return a.files.length === b.files.length && a.files.every((f, i) => f === b.files[i]);
}
