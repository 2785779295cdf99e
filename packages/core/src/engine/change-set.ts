// Accumulates the writes of one command: each task and slot written at most once, last write wins.
import type { EventDraft, EventType, Instant, Slot, Task } from '../model.js';
import type { Change } from './program.js';

export class ChangeSet {
  private readonly inserts = new Map<string, Task>();
  private readonly updates = new Map<string, Task>();
  /** A Slot to put, or null to free it. */
  private readonly slots = new Map<string, Slot | { project: string; slot: number; deleted: true }>();
  /** Keys of slots this command takes anew (insert), as opposed to changes of held slots. */
  private readonly newSlots = new Set<string>();
  private deletedProject: string | null = null;
  private readonly events: EventDraft[] = [];

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
    else this.updates.set(loaded.id, next);
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
    return {
      insertTasks: [...this.inserts.values()],
      updateTasks: [...this.updates.values()],
      deleteProject: this.deletedProject,
      insertSlots,
      updateSlots,
      deleteSlots,
      events: this.events,
    };
  }
}
