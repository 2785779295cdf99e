// The per-project snapshots of one server, fed by the store's committed events, and the Store the
// routes read through: whole-board and first-page reads from the snapshot, everything else as is.
import {
  DEFAULT_PROJECT,
  ListTasksQuerySchema,
  ProjectSchema,
  type BoardStats,
  type ListTasksQuery,
  type SlotView,
  type Store,
  type Task,
  type TaskPage,
  type TaskEvent,
} from '@task-coordinator/core';
import { ProjectSnapshot } from './project-snapshot.js';

export interface SnapshotsOptions {
  /** See ProjectSnapshotOptions.slotsMaxAgeMs; 1 s by default. */
  slotsMaxAgeMs?: number;
  /** Projects kept; the one read longest ago is dropped first (it reloads when read again). */
  maxProjects?: number;
  now?: () => number;
}

export class Snapshots {
  private readonly projects = new Map<string, ProjectSnapshot>();
  private readonly unsubscribe: () => void;
  private seq = 0;
  private seqRead: Promise<number> | null = null;
  private readonly maxProjects: number;

  constructor(
    private readonly store: Store,
    private readonly options: SnapshotsOptions = {},
  ) {
    this.maxProjects = options.maxProjects ?? 256;
    this.unsubscribe = store.subscribe((event) => this.onEvent(event));
  }

  private onEvent(event: TaskEvent): void {
    if (event.seq > this.seq) this.seq = event.seq;
    this.projects.get(event.project)?.note(event);
  }

  /** The newest committed seq: read once from the store, then carried by the feed. */
  private async lastSeq(): Promise<number> {
    this.seqRead ??= this.store
      .stats()
      .then((stats) => stats.lastSeq)
      .catch((error: unknown) => {
        this.seqRead = null;
        throw error;
      });
    const read = await this.seqRead;
    return Math.max(read, this.seq);
  }

  /** The project's snapshot, made (empty, loaded on first read) when missing. */
  project(name: string): ProjectSnapshot {
    let snapshot = this.projects.get(name);
    if (snapshot) {
      // Most recently read last, so the first is the one to drop.
      this.projects.delete(name);
      this.projects.set(name, snapshot);
      return snapshot;
    }
    snapshot = new ProjectSnapshot({
      project: name,
      store: this.store,
      lastSeq: () => this.lastSeq(),
      slotsMaxAgeMs: this.options.slotsMaxAgeMs ?? 1_000,
      now: this.options.now ?? Date.now,
    });
    if (this.projects.size >= this.maxProjects) this.projects.delete(this.projects.keys().next().value as string);
    this.projects.set(name, snapshot);
    return snapshot;
  }

  /** Tasks changed without events (retention): every snapshot reloads on its next read. */
  invalidateAll(): void {
    for (const snapshot of this.projects.values()) snapshot.invalidate();
  }

  close(): void {
    this.unsubscribe();
    this.projects.clear();
  }

  /**
   * The store as the routes see it: stats, slots and first pages of lists answered by the
   * snapshot; heartbeats and retention invalidate what they change without an event. Invalid
   * input goes to the store, which rejects it with its usual error.
   */
  reader(): Store {
    const snapshotOf = (project: unknown): ProjectSnapshot | null => {
      if (project === undefined) return this.project(DEFAULT_PROJECT);
      return ProjectSchema.safeParse(project).success ? this.project(project as string) : null;
    };
    const overrides: Partial<Store> = {
      stats: (query = {}): Promise<BoardStats> => {
        const keys = Object.keys(query);
        const snapshot = keys.every((k) => k === 'project') ? snapshotOf(query.project) : null;
        return snapshot ? snapshot.stats() : this.store.stats(query);
      },
      listSlots: (input = {}): Promise<SlotView[]> => {
        const snapshot = snapshotOf(input.project);
        return snapshot ? snapshot.slotViews() : this.store.listSlots(input);
      },
      listTasks: (query: ListTasksQuery = {}): Promise<TaskPage> => {
        const parsed = ListTasksQuerySchema.safeParse(query);
        if (!parsed.success || parsed.data.cursor !== undefined) return this.store.listTasks(query);
        const { project, cursor: _cursor, ...input } = parsed.data;
        return this.project(project).firstPage({ key: JSON.stringify(input), input });
      },
      heartbeat: async (input) => {
        const result = await this.store.heartbeat(input);
        const snapshot = this.projects.get(input.project ?? DEFAULT_PROJECT);
        snapshot?.invalidateSlots();
        // The held tasks' leases were renewed with no event (the answer names them, not their versions).
        for (const id of result.tasks) snapshot?.touched(id, Number.POSITIVE_INFINITY);
        return result;
      },
      prune: async (input) => {
        const result = await this.store.prune(input);
        if (result.tasks > 0) this.invalidateAll();
        return result;
      },
    };
    // A command may write a task with no event (a retried claim, start or question renews the
    // lease): its answer carries the task, which the snapshot applies if its entry is older, so the
    // writer's next read shows it.
    const noteAnswer = (answer: unknown): unknown => {
      const task = (answer as { task?: Partial<Task> } | null)?.task;
      if (task && typeof task.id === 'string' && typeof task.version === 'number' && typeof task.project === 'string')
        this.projects.get(task.project)?.touched(task.id, task.version);
      return answer;
    };
    const store = this.store;
    return new Proxy(store, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Store];
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out instanceof Promise ? out.then(noteAnswer) : out;
        };
      },
    });
  }
}
