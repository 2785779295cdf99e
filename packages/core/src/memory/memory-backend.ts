// The in-memory backend: the reference store, with indexes so claim-next does not scan the board.
import { DomainError } from '../errors.js';
import { isActive, type Instant, type Slot, type Task, type TaskDetail, type TaskEvent, type TaskStatus } from '../model.js';
import { runSync, type Change, type Load, type Program } from '../engine/program.js';
import type { ImportBatch } from '../board-transfer.js';
import { eventMatches, type Backend, type BackendOverview, type EventFilter, type ListQuery, type PruneResult } from '../store.js';
import { ReadyIndex, type Row } from './ready-index.js';

interface ProjectState {
  tasks: Map<string, Row>;
  /** dependency id → ids of tasks depending on it. */
  dependents: Map<string, Set<string>>;
  ready: ReadyIndex;
  slots: Map<number, Slot>;
  /** worker → ids of the claimed/working tasks it holds. */
  activeByWorker: Map<string, Set<string>>;
}

const cloneTask = (task: Task): Task => ({ ...task, dependencies: [...task.dependencies], labels: [...task.labels] });
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

  private project(name: string): ProjectState {
    let state = this.projects.get(name);
    if (!state) {
      state = { tasks: new Map(), dependents: new Map(), ready: new ReadyIndex(), slots: new Map(), activeByWorker: new Map() };
      this.projects.set(name, state);
    }
    return state;
  }

  async execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }> {
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
        const row = this.project(load.project).ready.first((r) => labels === null || r.task.labels.some((l) => labels.includes(l)));
        return row ? cloneTask(row.task) : null;
      }
      case 'workerTasks': {
        const state = this.project(load.project);
        return [...(state.activeByWorker.get(load.worker) ?? [])].map((id) => cloneTask((state.tasks.get(id) as Row).task));
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
        out.sort((a, b) => a.leaseExpiresAt - b.leaseExpiresAt || (a.project < b.project ? -1 : a.project > b.project ? 1 : a.slot - b.slot));
        return out.slice(0, load.limit);
      }
      case 'countTasks':
        return this.project(load.project).tasks.size;
    }
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
    if (change.deleteProject !== null) {
      const state = this.project(change.deleteProject);
      state.tasks.clear();
      state.dependents.clear();
      state.ready.clear();
      state.activeByWorker.clear();
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
    for (const { project, slot } of change.deleteSlots) this.project(project).slots.delete(slot);
    for (const slot of [...change.insertSlots, ...change.updateSlots]) this.project(slot.project).slots.set(slot.slot, cloneSlot(slot));
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

  async getTask(project: string, id: string): Promise<TaskDetail | null> {
    const state = this.project(project);
    const row = state.tasks.get(id);
    if (!row) return null;
    return { ...cloneTask(row.task), dependents: [...(state.dependents.get(id) ?? [])].filter((d) => state.tasks.has(d)).sort() };
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
      if (text !== null && !task.id.toLowerCase().includes(text) && !task.description.toLowerCase().includes(text)) continue;
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
    const source = filter.taskId !== null && filter.project !== null ? (this.historyIndex.get(`${filter.project}\u0000${filter.taskId}`) ?? []) : this.log;
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

  async prune(eventsBefore: Instant | null, tasksBefore: Instant | null, limit: number): Promise<PruneResult> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
    let events = 0;
    if (eventsBefore !== null) {
      // The log is in seq order; remove old events from the front, always keeping the newest.
      const doomed: TaskEvent[] = [];
      for (let i = 0; i < this.log.length - 1 && doomed.length < limit; i++) {
        const event = this.log[i] as TaskEvent;
        if (event.at < eventsBefore) doomed.push(event);
      }
      if (doomed.length) {
        const gone = new Set(doomed);
        this.log.splice(0, this.log.length, ...this.log.filter((e) => !gone.has(e)));
        for (const event of doomed) {
          if (event.taskId === null) continue;
          const key = `${event.project}\u0000${event.taskId}`;
          const list = this.historyIndex.get(key);
          if (!list) continue;
          const kept = list.filter((e) => !gone.has(e));
          if (kept.length) this.historyIndex.set(key, kept);
          else this.historyIndex.delete(key);
        }
        events = doomed.length;
      }
    }
    let tasks = 0;
    if (tasksBefore !== null) {
      const candidates: Array<{ state: ProjectState; row: Row }> = [];
      for (const state of this.projects.values()) {
        for (const row of state.tasks.values()) {
          const { task } = row;
          if ((task.status !== 'done' && task.status !== 'cancelled') || task.updatedAt >= tasksBefore) continue;
          if ([...(state.dependents.get(task.id) ?? [])].some((id) => state.tasks.has(id))) continue;
          candidates.push({ state, row });
        }
      }
      candidates.sort((a, b) => a.row.task.updatedAt - b.row.task.updatedAt || a.row.ord - b.row.ord);
      for (const { state, row } of candidates.slice(0, limit)) {
        state.tasks.delete(row.task.id);
        state.dependents.delete(row.task.id);
        for (const dep of row.task.dependencies) state.dependents.get(dep)?.delete(row.task.id);
        tasks++;
      }
    }
    return { events, tasks };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new DomainError('STORE_UNAVAILABLE', 'the store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
