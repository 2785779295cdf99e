// The in-memory backend: the reference store, with indexes so claim-next does not scan the board.
import { DomainError } from '../errors.js';
import {
  isActive,
  type FileHolding,
  type Reservation,
  type Instant,
  type Slot,
  type Task,
  type TaskEvent,
  type TaskStatus,
} from '../model.js';
import { runSync, type Change, type Load, type Near, type Program } from '../engine/program.js';
import {
  eventMatches,
  type Backend,
  type BackendOverview,
  type EventFilter,
  type ImportBatch,
  type ListQuery,
  type PruneResult,
  type TaskWithDependents,
} from '../store.js';
import { MemoryReservations } from './reservations-state.js';
import { ReadyIndex, type Row } from './ready-index.js';
import { MemoryWebhookState } from './webhook-state.js';
import type { DispatchLease, WebhookCursor } from '../rules/webhooks.js';
import { compareRetentionOrder } from '../rules/retention.js';

interface ProjectState {
  tasks: Map<string, Row>;
  /** dependency id → ids of tasks depending on it. */
  dependents: Map<string, Set<string>>;
  ready: ReadyIndex;
  slots: Map<number, Slot>;
  /** worker → ids of the claimed/working tasks it holds. */
  activeByWorker: Map<string, Set<string>>;
  /** The held (claimed/working/waiting) tasks declaring files, by id: their files are holdings. */
  heldFiles: Map<string, Row>;
  reservations: MemoryReservations;
}

const cloneTask = (task: Task): Task => ({
  ...task,
  dependencies: [...task.dependencies],
  labels: [...task.labels],
  question: task.question && { ...task.question, options: task.question.options && [...task.question.options] },
  answer: task.answer && { ...task.answer },
  notes: task.notes.map((note) => ({ ...note })),
  files: [...task.files],
});
const cloneSlot = (slot: Slot): Slot => ({ ...slot });
/** Deep copy of plain JSON-like data (event payloads). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}
const cloneEvent = (event: TaskEvent): TaskEvent => copy(event);

/** Index of the first event with seq > afterSeq in a seq-ordered list (binary search). */
function firstAfter(events: readonly TaskEvent[], afterSeq: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as TaskEvent).seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryBackend implements Backend {
  readonly kind = 'memory' as const;
  private readonly projects = new Map<string, ProjectState>();
  private readonly log: TaskEvent[] = [];
  private readonly historyIndex = new Map<string, TaskEvent[]>();
  private ord = 0;
  /** The last seq given; the log may have been pruned from the front, so not its length. */
  private seq = 0;
  private closed = false;
  private readonly webhooks = new MemoryWebhookState();
  /** Holdings versions by project and worker key (see Change.bumpHoldings); kept when a project is cleared. */
  private readonly holdingsVersions = new Map<string, number>();

  private project(name: string): ProjectState {
    let state = this.projects.get(name);
    if (!state) {
      state = {
        tasks: new Map(),
        dependents: new Map(),
        ready: new ReadyIndex(),
        slots: new Map(),
        activeByWorker: new Map(),
        heldFiles: new Map(),
        reservations: new MemoryReservations(),
      };
      this.projects.set(name, state);
    }
    return state;
  }

  async execute<R>(
    program: (now: Instant) => Program<R>,
    clock: () => Instant,
  ): Promise<{ result: R; events: TaskEvent[] }> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    // Synchronous from first load to last write: nothing can interleave, so each command is atomic.
    const { result, change } = runSync(program(clock()), (load) => this.answer(load));
    const events = this.apply(change);
    return { result, events };
  }

  private answer(load: Load): unknown {
    switch (load.kind) {
      case 'tasks': {
        const state = this.project(load.project);
        const out: Task[] = [];
        for (const id of load.ids) {
          const row = state.tasks.get(id);
          if (row) out.push(cloneTask(row.task));
        }
        return out;
      }
      case 'statuses': {
        const state = this.project(load.project);
        const out = new Map<string, TaskStatus>();
        for (const id of load.ids) {
          const row = state.tasks.get(id);
          if (row) out.set(id, row.task.status);
        }
        return out;
      }
      case 'dependents': {
        const state = this.project(load.project);
        const out: Task[] = [];
        for (const id of state.dependents.get(load.id) ?? []) {
          const row = state.tasks.get(id);
          if (row && (load.status === null || row.task.status === load.status)) out.push(cloneTask(row.task));
        }
        return out;
      }
      case 'nextAvailable': {
        const labels = load.labels;
        const skip = load.skip?.length ? new Set(load.skip) : null;
        const row = this.project(load.project).ready.first(
          (r) =>
            (labels === null || r.task.labels.some((l) => labels.includes(l))) &&
            (skip === null || !skip.has(r.task.id)),
        );
        return row ? cloneTask(row.task) : null;
      }
      case 'availablePage': {
        const labels = load.labels;
        return this.project(load.project)
          .ready.page((r) => labels === null || r.task.labels.some((l) => labels.includes(l)), load.offset, load.limit)
          .map((r) => ({ id: r.task.id, files: [...r.task.files] }));
      }
      case 'workerTasks': {
        const state = this.project(load.project);
        return [...(state.activeByWorker.get(load.worker) ?? [])].map((id) =>
          cloneTask((state.tasks.get(id) as Row).task),
        );
      }
      case 'slot': {
        const slot = this.project(load.project).slots.get(load.slot);
        return slot ? cloneSlot(slot) : null;
      }
      case 'workerSlots':
        return [...this.project(load.project).slots.values()]
          .filter((s) => s.worker === load.worker)
          .sort((a, b) => a.slot - b.slot)
          .map(cloneSlot);
      case 'heldSlotNumbers':
        return [...this.project(load.project).slots.keys()].sort((a, b) => a - b);
      case 'expiredTasks': {
        // Oldest lease first, then creation order: the order every store answers in.
        const out: Row[] = [];
        for (const state of this.projects.values()) {
          for (const ids of state.activeByWorker.values()) {
            for (const id of ids) {
              const row = state.tasks.get(id) as Row;
              if (row.task.leaseExpiresAt !== null && row.task.leaseExpiresAt <= load.now) out.push(row);
            }
          }
        }
        out.sort((a, b) => (a.task.leaseExpiresAt ?? 0) - (b.task.leaseExpiresAt ?? 0) || a.ord - b.ord);
        return out.slice(0, load.limit).map((r) => cloneTask(r.task));
      }
      case 'expiredSlots': {
        // Oldest lease first, then project and slot number.
        const out: Slot[] = [];
        for (const state of this.projects.values()) {
          for (const slot of state.slots.values()) if (slot.leaseExpiresAt <= load.now) out.push(cloneSlot(slot));
        }
        out.sort(
          (a, b) =>
            a.leaseExpiresAt - b.leaseExpiresAt ||
            (a.project < b.project ? -1 : a.project > b.project ? 1 : a.slot - b.slot),
        );
        return out.slice(0, load.limit);
      }
      case 'countTasks':
        return this.project(load.project).tasks.size;
      case 'prunableTasks': {
        const out: Row[] = [];
        for (const state of this.projects.values()) {
          for (const row of state.tasks.values()) {
            const { task } = row;
            if (!load.statuses.includes(task.status) || task.updatedAt >= load.before) continue;
            if ([...(state.dependents.get(task.id) ?? [])].some((id) => state.tasks.has(id))) continue;
            out.push(row);
          }
        }
        return out
          .sort(compareRetentionOrder)
          .slice(0, load.limit)
          .map((r) => cloneTask(r.task));
      }
      case 'holdings':
        return this.holdingsOf(load.project, load.near);
      case 'taskReservations':
        return this.project(load.project).reservations.ofTasks(load.taskIds);
      case 'holdingsVersions': {
        const out = new Map<string, number>();
        for (const worker of load.workers) {
          const version = this.holdingsVersions.get(`${load.project}\u0000${worker}`);
          if (version !== undefined) out.set(worker, version);
        }
        return out;
      }
    }
  }

  private holdingsOf(project: string, near: Near | null = null): FileHolding[] {
    const state = this.project(project);
    return state.reservations.holdings(near, [...state.heldFiles.values()]);
  }

  async reservations(project: string, worker: string | null, taskId: string | null): Promise<Reservation[]> {
    return this.project(project).reservations.list(worker, taskId);
  }

  async holdings(project: string): Promise<FileHolding[]> {
    return this.holdingsOf(project);
  }

  private index(state: ProjectState, row: Row, on: boolean): void {
    const { task } = row;
    if (task.status === 'available') {
      if (on) state.ready.add(row);
      else state.ready.remove(row);
    }
    if (isActive(task.status) && task.worker !== null) {
      let ids = state.activeByWorker.get(task.worker);
      if (on) {
        if (!ids) state.activeByWorker.set(task.worker, (ids = new Set()));
        ids.add(task.id);
      } else if (ids) {
        ids.delete(task.id);
        if (ids.size === 0) state.activeByWorker.delete(task.worker);
      }
      if (task.files.length) {
        if (on) state.heldFiles.set(task.id, row);
        else state.heldFiles.delete(task.id);
      }
    }
  }

  /** Applies a Change all-or-nothing: every version is checked before anything is written. */
  private apply(change: Change): TaskEvent[] {
    for (const task of change.updateTasks) {
      const row = this.project(task.project).tasks.get(task.id);
      if (!row || row.task.version !== task.version - 1) {
        throw new DomainError('INTERNAL', `task ${task.id} changed concurrently`, { taskId: task.id });
      }
    }
    for (const task of change.deleteTasks) {
      const state = this.project(task.project);
      const row = state.tasks.get(task.id);
      if (!row) continue;
      this.index(state, row, false);
      state.tasks.delete(task.id);
      state.dependents.delete(task.id);
      for (const dep of task.dependencies) state.dependents.get(dep)?.delete(task.id);
    }
    if (change.deleteProject !== null) {
      const state = this.project(change.deleteProject);
      state.tasks.clear();
      state.dependents.clear();
      state.ready.clear();
      state.activeByWorker.clear();
      state.heldFiles.clear();
      state.reservations.clear();
    }
    for (const task of change.insertTasks) this.insertRow(task);
    for (const task of change.updateTasks) {
      const state = this.project(task.project);
      const old = state.tasks.get(task.id) as Row;
      this.index(state, old, false);
      const row: Row = { task: cloneTask(task), ord: old.ord };
      state.tasks.set(task.id, row);
      this.index(state, row, true);
    }
    for (const { project, taskId, patterns } of change.deleteReservations)
      this.project(project).reservations.remove(taskId, patterns);
    for (const r of change.insertReservations) this.project(r.project).reservations.put(r);
    for (const { project, worker } of change.bumpHoldings) {
      const key = `${project}\u0000${worker}`;
      this.holdingsVersions.set(key, (this.holdingsVersions.get(key) ?? 0) + 1);
    }
    for (const { project, slot } of change.deleteSlots) this.project(project).slots.delete(slot);
    for (const slot of [...change.insertSlots, ...change.updateSlots])
      this.project(slot.project).slots.set(slot.slot, cloneSlot(slot));
    const committed: TaskEvent[] = [];
    for (const draft of change.events) {
      const event: TaskEvent = { seq: ++this.seq, ...copy(draft) };
      this.log.push(event);
      if (event.taskId !== null) {
        const key = `${event.project}\u0000${event.taskId}`;
        const list = this.historyIndex.get(key);
        if (list) list.push(event);
        else this.historyIndex.set(key, [event]);
      }
      committed.push(cloneEvent(event));
    }
    return committed;
  }

  async getTask(project: string, id: string): Promise<TaskWithDependents | null> {
    const state = this.project(project);
    const row = state.tasks.get(id);
    if (!row) return null;
    return {
      ...cloneTask(row.task),
      dependents: [...(state.dependents.get(id) ?? [])].filter((d) => state.tasks.has(d)).sort(),
    };
  }

  async listTasks(query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }> {
    const state = this.project(query.project);
    const text = query.text?.toLowerCase() ?? null;
    const page: Row[] = [];
    for (const row of state.tasks.values()) {
      if (query.afterOrd !== null && row.ord <= query.afterOrd) continue;
      const { task } = row;
      if (query.statuses && !query.statuses.includes(task.status)) continue;
      if (query.label !== null && !task.labels.includes(query.label)) continue;
      if (query.worker !== null && task.worker !== query.worker) continue;
      if (text !== null && !task.id.toLowerCase().includes(text) && !task.description.toLowerCase().includes(text))
        continue;
      page.push(row);
      if (page.length > query.limit) break;
    }
    const more = page.length > query.limit;
    const rows = page.slice(0, query.limit);
    return { tasks: rows.map((r) => cloneTask(r.task)), lastOrd: more ? (rows[rows.length - 1] as Row).ord : null };
  }

  async heldSlots(project: string): Promise<Slot[]> {
    return [...this.project(project).slots.values()].sort((a, b) => a.slot - b.slot).map(cloneSlot);
  }

  async countByStatus(project: string): Promise<Partial<Record<TaskStatus, number>>> {
    const counts: Partial<Record<TaskStatus, number>> = {};
    for (const { task } of this.project(project).tasks.values()) counts[task.status] = (counts[task.status] ?? 0) + 1;
    return counts;
  }

  async overview(): Promise<BackendOverview[]> {
    const out: BackendOverview[] = [];
    for (const [project, state] of this.projects) {
      if (state.tasks.size === 0 && state.slots.size === 0) continue;
      const counts: Partial<Record<TaskStatus, number>> = {};
      for (const { task } of state.tasks.values()) counts[task.status] = (counts[task.status] ?? 0) + 1;
      const slots = [...state.slots.values()];
      out.push({ project, counts, held: slots.length, busy: slots.filter((s) => s.taskId !== null).length });
    }
    return out.sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
  }

  async lastSeq(): Promise<number> {
    return this.seq;
  }

  async history(project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
    return (this.historyIndex.get(`${project}\u0000${taskId}`) ?? []).slice(0, limit).map(cloneEvent);
  }

  async events(filter: EventFilter): Promise<TaskEvent[]> {
    const out: TaskEvent[] = [];
    const source =
      filter.taskId !== null && filter.project !== null
        ? (this.historyIndex.get(`${filter.project}\u0000${filter.taskId}`) ?? [])
        : this.log;
    if (filter.descending) {
      const first = firstAfter(source, filter.afterSeq);
      const end = filter.beforeSeq === null ? source.length : firstAfter(source, filter.beforeSeq - 1);
      for (let i = end - 1; i >= first && out.length < filter.limit; i--) {
        const event = source[i] as TaskEvent;
        if (eventMatches(event, filter)) out.push(cloneEvent(event));
      }
      return out;
    }
    for (let i = firstAfter(source, filter.afterSeq); i < source.length && out.length < filter.limit; i++) {
      const event = source[i] as TaskEvent;
      if (eventMatches(event, filter)) out.push(cloneEvent(event));
    }
    return out;
  }

  /** A new task row: stored, its dependency edges indexed, and placed in the ready set if available. */
  private insertRow(task: Task): void {
    const state = this.project(task.project);
    const row: Row = { task: cloneTask(task), ord: ++this.ord };
    state.tasks.set(task.id, row);
    for (const dep of task.dependencies) {
      let set = state.dependents.get(dep);
      if (!set) state.dependents.set(dep, (set = new Set()));
      set.add(task.id);
    }
    this.index(state, row, true);
  }

  async importRecords(batch: ImportBatch): Promise<void> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    for (const task of batch.tasks) this.insertRow(task);
    for (const slot of batch.slots) this.project(slot.project).slots.set(slot.slot, cloneSlot(slot));
    for (const r of batch.reservations) this.project(r.project).reservations.put({ ...r });
    for (const draft of batch.events) {
      const event = copy(draft);
      this.log.push(event);
      this.seq = Math.max(this.seq, event.seq);
      if (event.taskId !== null) {
        const key = `${event.project}\u0000${event.taskId}`;
        const list = this.historyIndex.get(key);
        if (list) list.push(event);
        else this.historyIndex.set(key, [event]);
      }
    }
  }

  async prune(
    events: { before: Instant; limit: number } | null,
    tasks: ((now: Instant) => Program<number>) | null,
    clock: () => Instant,
  ): Promise<PruneResult> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    const removedEvents = events === null ? 0 : this.pruneEvents(events.before, events.limit);
    if (tasks === null) return { events: removedEvents, tasks: 0 };
    const { result, change } = runSync(tasks(clock()), (load) => this.answer(load));
    this.apply(change);
    return { events: removedEvents, tasks: result };
  }

  /** Removes old events from the front of the log (it is in seq order), always keeping the newest. */
  private pruneEvents(before: Instant, limit: number): number {
    const doomed: TaskEvent[] = [];
    for (let i = 0; i < this.log.length - 1 && doomed.length < limit; i++) {
      const event = this.log[i] as TaskEvent;
      if (event.at < before) doomed.push(event);
    }
    if (!doomed.length) return 0;
    const gone = new Set(doomed);
    // Compacted in place: spreading the retained log into splice's arguments throws RangeError
    // past ~130k events (the engine's argument limit).
    let kept = 0;
    for (const event of this.log) if (!gone.has(event)) this.log[kept++] = event;
    this.log.length = kept;
    for (const event of doomed) {
      if (event.taskId === null) continue;
      const key = `${event.project}\u0000${event.taskId}`;
      const list = this.historyIndex.get(key);
      if (!list) continue;
      const kept = list.filter((e) => !gone.has(e));
      if (kept.length) this.historyIndex.set(key, kept);
      else this.historyIndex.delete(key);
    }
    return doomed.length;
  }

  async webhookCursors(): Promise<WebhookCursor[]> {
    return this.webhooks.list();
  }

  async saveWebhookCursor(webhook: string, seq: number, now: Instant): Promise<WebhookCursor> {
    return this.webhooks.advance(webhook, seq, now);
  }

  async takeDispatchLease(
    owner: string,
    now: Instant,
    ttlMs: number,
    replacing: string | null,
  ): Promise<DispatchLease> {
    return this.webhooks.take(owner, now, ttlMs, replacing);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
