// One project's board kept current by the committed event feed: whole-board answers without a store query.
//
// Every task is held as a compact entry (status, worker, labels, creation position) plus its JSON
// as the original endpoints answer it, so a whole-board answer is a join of strings already made.
// Every committed event names the task it changed (tasks.cleaned excepted: that reloads), and
// the feed delivers a command's events before the command is acknowledged (SQLite: the
// backend announces after the fsync, then answers; PostgreSQL: the event feed first, then the members). An
// event only marks its task dirty; the next read fetches the dirty tasks by key and re-serialises
// those alone. So a read after the caller's own acknowledged write sees it (read-your-writes),
// a read on another replica lags a commit by the feed's latency, and a read when nothing changed
// is the cached answer: no query, no JSON.stringify.
import {
  EVENT_TEXT_MAX,
  TASK_STATUSES,
  taskAfterEvent,
  type BoardStats,
  type SlotView,
  type Store,
  type Task,
  type TaskEvent,
  type TaskPage,
  type TaskStatus,
  type RowChange,
  allPages,
} from '@task-coordinator/core';
import { toLegacyTask, type LegacySource, type LegacyTask } from '../routes/legacy-task.js';
import type { Entry } from './entry.js';
import { FirstPages, type PageQuery } from './first-pages.js';

export interface ProjectSnapshotOptions {
  project: string;
  /** The store the snapshot reads from (never the snapshot-reading wrapper). */
  store: Store;
  /** Newest seq seen on the feed (the registry's), for stats.lastSeq. */
  lastSeq: () => Promise<number>;
  /**
   * Some commands write without an event: a heartbeat, or a retried claim, start or question,
   * renews leases (rules/slots.ts renewWorker, rules/holder.ts, rules/questions.ts). So the slots
   * answer and the cached first pages, which show leases, are also read again when older than
   * this: such a write through this process is applied at once (`touched`, `invalidateSlots`), one
   * on another replica shows within this bound.
   */
  slotsMaxAgeMs: number;
  now: () => number;
}

/** The original endpoints' body of a board, as pieces written in order (see ProjectSnapshot.legacyBody). */
export interface LegacyBody {
  pieces: readonly Buffer[];
  length: number;
}

/**
 * Tasks per body chunk: a change re-serialises its chunk only, and the body is the chunks written
 * one after another (on 100,000 tasks, rejoining and re-encoding the whole 14 MB body after each
 * change cost more than fetching the change).
 */
const CHUNK = 1_024;
/**
 * Tasks per block, the unit serialised again: a chunk's bytes are its blocks' bytes copied
 * together, so a change re-encodes the JSON of 64 tasks and copies its chunk, instead of joining
 * and encoding the text of 1,024 (that was most of a read after a change on a board of 1,000).
 */
const BLOCK = 64;

interface Block {
  /** This block's tasks in creation order (Map order: positions only grow within a block). */
  entries: Map<string, Entry>;
  all: Buffer | null;
  available: Buffer | null;
}

interface Chunk {
  blocks: Block[];
  all: Buffer | null;
  available: Buffer | null;
}

const PREFIX = Buffer.from('{"success":true,"tasks":[');
const COMMA = Buffer.from(',');
const SUFFIX = Buffer.from(']}');

/** More dirty tasks than this (or a quarter of the board) are fetched by one full reload instead. */
const MAX_DIRTY_FETCH = 2_000;
/** Dirty tasks fetched at once. */
const FETCH_BATCH = 256;
const LOAD_PAGE = 1_000;

export class ProjectSnapshot {
  readonly project: string;
  private readonly entries = new Map<string, Entry>();
  private readonly counts = new Map<TaskStatus, number>();
  private nextPos = 0;
  private loaded = false;
  private reload = true;
  private readonly dirty = new Set<string>();
  /** Bumped by every event of this project; `applied` is the value the entries reflect. */
  private changes = 0;
  private applied = -1;
  /** Bumped by every change to an entry (first pages read meanwhile are not cached). */
  private edits = 0;
  private refreshing: Promise<void> | null = null;
  private chunks: Chunk[] = [];
  private bodies: { available: LegacyBody | null; all: LegacyBody | null } = { available: null, all: null };
  readonly pages = new FirstPages();
  private slots: { views: SlotView[]; at: number } | null = null;
  private slotChanges = 0;
  /** Statistics for tests and the note: store reads the snapshot made, and blocks of JSON it encoded. */
  readonly reads = { fullLoads: 0, tasksFetched: 0, slotLoads: 0, blocksSerialised: 0 };

  constructor(private readonly options: ProjectSnapshotOptions) {
    this.project = options.project;
  }

  /** A committed event of this project (called by the registry, in seq order). */
  note(event: TaskEvent): void {
    this.slotChanges++;
    this.slots = null;
    if (event.type === 'tasks.cleaned') {
      this.changes++;
      this.reload = true;
    } else if (event.taskId !== null && !this.follow(event, event.taskId)) {
      this.changes++;
      this.dirty.add(event.taskId);
    }
  }

  /**
   * Applies a task event from what it carries (a new task's fields, or the changed fields of the
   * row: engine/event-row.ts), with no store read. False when that is not safe, and the task is
   * fetched by the next read instead: the board is not loaded or a read of it is in flight, the
   * task already waits for a fetch, the event carries no row, a text in it was clipped, or the row
   * is not the next version of the entry (an event missed).
   */
  private follow(event: TaskEvent, id: string): boolean {
    if (!this.loaded || this.reload || this.refreshing !== null || this.dirty.has(id)) return false;
    const before = this.entries.get(id);
    let after: LegacySource & { labels: readonly string[]; version: number };
    if (event.type === 'task.added') {
      const added = before ? undefined : taskAfterEvent(undefined, event);
      if (!added || clipped(added.description) || clipped(added.output)) return false;
      after = added;
    } else {
      const row = event.data.row as RowChange | undefined;
      if (!before || !row) return false;
      // Already in the entry: a fetch read the row after this command committed.
      if (row.version <= before.version) return true;
      if (row.version !== before.version + 1 || clipped(row.description) || clipped(row.output) || clipped(row.error))
        return false;
      after = { ...sourceOf(id, before), ...row };
    }
    this.set(id, after);
    this.bodies = { available: null, all: null };
    return true;
  }

  /** Something changed that no event reports (retention removed tasks): reload on the next read. */
  invalidate(): void {
    this.changes++;
    this.reload = true;
    this.invalidateSlots();
  }

  /**
   * A task this process wrote with no event (a lease renewed), at `version`: fetched again by the
   * next read, with the pages it is on, unless the entry already has that version.
   */
  touched(id: string, version: number): void {
    const entry = this.entries.get(id);
    if (!this.loaded || entry === undefined || entry.version >= version || this.dirty.has(id)) return;
    this.changes++;
    this.dirty.add(id);
  }

  /** A lease renewed by a heartbeat (no event): the slots answer is fetched again. */
  invalidateSlots(): void {
    this.slotChanges++;
    this.slots = null;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Resolves once every change noted before the call is applied. */
  async fresh(): Promise<void> {
    const target = this.changes;
    // Bounded: each pass applies everything noted before it started, so at most two passes.
    for (let pass = 0; pass < 3 && this.applied < target; pass++) {
      if (this.refreshing) await this.refreshing;
      else {
        this.refreshing = this.refresh().finally(() => (this.refreshing = null));
        await this.refreshing;
      }
    }
  }

  private async refresh(): Promise<void> {
    const seen = this.changes;
    if (this.reload || !this.loaded || this.dirty.size > Math.max(MAX_DIRTY_FETCH, this.entries.size / 4)) {
      this.reload = false;
      this.dirty.clear();
      await this.loadAll();
    } else {
      const ids = [...this.dirty];
      this.dirty.clear();
      try {
        for (let i = 0; i < ids.length; i += FETCH_BATCH) {
          const batch = ids.slice(i, i + FETCH_BATCH);
          const found = await Promise.all(batch.map((id) => this.fetchTask(id)));
          batch.forEach((id, k) => this.put(id, found[k] ?? null));
        }
      } catch (error) {
        // Not applied: fetched again by the next read.
        for (const id of ids) this.dirty.add(id);
        throw error;
      }
      this.reads.tasksFetched += ids.length;
      if (ids.length) this.bodies = { available: null, all: null };
    }
    this.applied = seen;
  }

  private async fetchTask(id: string): Promise<Task | null> {
    try {
      return await this.options.store.getTask({ project: this.project, taskId: id });
    } catch (error) {
      if ((error as { code?: string }).code === 'TASK_NOT_FOUND') return null;
      throw error;
    }
  }

  private async loadAll(): Promise<void> {
    this.reads.fullLoads++;
    let loaded: Task[];
    try {
      loaded = await allPages((after) =>
        this.options.store.listTasks({ project: this.project, limit: LOAD_PAGE, ...after }),
      );
    } catch (error) {
      this.reload = true;
      throw error;
    }
    this.entries.clear();
    this.chunks = [];
    this.counts.clear();
    this.nextPos = 0;
    for (const task of loaded) this.put(task.id, task);
    this.loaded = true;
    this.bodies = { available: null, all: null };
    this.pages.clear();
  }

  /** Applies a task's current row (null: it no longer exists) and drops the answers it touches. */
  private put(id: string, task: Task | null): void {
    if (task !== null) return this.set(id, task);
    const before = this.entries.get(id);
    this.edits++;
    if (before) {
      this.counts.set(before.status, (this.counts.get(before.status) ?? 1) - 1);
      this.blockOf(before.pos).entries.delete(id);
    }
    this.entries.delete(id);
    this.pages.changed(id, null);
  }

  /** Sets a task's entry from its fields now, and drops the answers it touches. */
  private set(id: string, task: LegacySource & { labels: readonly string[]; version: number }): void {
    const before = this.entries.get(id);
    this.edits++;
    if (before) this.counts.set(before.status, (this.counts.get(before.status) ?? 1) - 1);
    const entry: Entry = {
      pos: before?.pos ?? this.nextPos++,
      status: task.status,
      worker: task.worker,
      labels: task.labels,
      version: task.version,
      legacy: JSON.stringify(toLegacyTask(task)),
    };
    this.entries.set(id, entry);
    // A changed task keeps its place in its block's Map; a new one has the highest position and goes last.
    this.blockOf(entry.pos).entries.set(id, entry);
    this.counts.set(entry.status, (this.counts.get(entry.status) ?? 0) + 1);
    this.pages.changed(id, entry);
  }

  /** The block of a position, its bytes and its chunk's dropped (the caller changes it). */
  private blockOf(pos: number): Block {
    const index = Math.floor(pos / CHUNK);
    for (let i = this.chunks.length; i <= index; i++) this.chunks.push({ blocks: [], all: null, available: null });
    const chunk = this.chunks[index] as Chunk;
    chunk.all = null;
    chunk.available = null;
    const at = Math.floor((pos % CHUNK) / BLOCK);
    for (let i = chunk.blocks.length; i <= at; i++)
      chunk.blocks.push({ entries: new Map(), all: null, available: null });
    const block = chunk.blocks[at] as Block;
    block.all = null;
    block.available = null;
    return block;
  }

  /**
   * The body of GET /api/available-tasks or /api/all-tasks as the original server answered it, in
   * pieces to write one after another: only the chunks a change touched are serialised again.
   */
  async legacyBody(which: 'available' | 'all'): Promise<LegacyBody> {
    await this.fresh();
    const cached = this.bodies[which];
    if (cached !== null) return cached;
    const pieces: Buffer[] = [PREFIX];
    for (const chunk of this.chunks) {
      let bytes = chunk[which];
      if (bytes === null) {
        const parts: Buffer[] = [];
        for (const block of chunk.blocks) {
          let blockBytes = block[which];
          if (blockBytes === null) {
            const texts: string[] = [];
            for (const entry of block.entries.values())
              if (which === 'all' || entry.status === 'available') texts.push(entry.legacy);
            blockBytes = block[which] = Buffer.from(texts.join(','));
            this.reads.blocksSerialised++;
          }
          if (blockBytes.length === 0) continue;
          if (parts.length > 0) parts.push(COMMA);
          parts.push(blockBytes);
        }
        bytes = chunk[which] = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
        // The blocks keep views into the chunk's bytes, not copies of their own: the body is held once.
        let offset = 0;
        for (const block of chunk.blocks) {
          const length = (block[which] as Buffer).length;
          if (length === 0) continue;
          block[which] = bytes.subarray(offset, offset + length);
          offset += length + COMMA.length;
        }
      }
      if (bytes.length === 0) continue;
      if (pieces.length > 1) pieces.push(COMMA);
      pieces.push(bytes);
    }
    pieces.push(SUFFIX);
    const body = { pieces, length: pieces.reduce((sum, piece) => sum + piece.length, 0) };
    this.bodies[which] = body;
    return body;
  }

  async stats(): Promise<BoardStats> {
    await this.fresh();
    const [slots, lastSeq] = await Promise.all([this.slotViews(), this.options.lastSeq()]);
    const tasks = Object.fromEntries(TASK_STATUSES.map((s) => [s, this.counts.get(s) ?? 0])) as Record<
      TaskStatus,
      number
    >;
    const held = slots.filter((s) => !s.free);
    return {
      project: this.project,
      tasks,
      total: this.entries.size,
      slots: { total: slots.length, held: held.length, busy: held.filter((s) => s.taskId !== null).length },
      lastSeq,
    };
  }

  /** Every slot of the project, free ones included (Store.listSlots). */
  async slotViews(): Promise<SlotView[]> {
    const cached = this.slots;
    if (cached !== null && this.options.now() - cached.at < this.options.slotsMaxAgeMs) return cached.views;
    const before = this.slotChanges;
    const at = this.options.now();
    const views = await this.options.store.listSlots({ project: this.project });
    this.reads.slotLoads++;
    // Cached only when nothing changed while it was read: a newer change must not be hidden.
    if (this.slotChanges === before) this.slots = { views, at };
    return views;
  }

  /** The first page of a list query (no cursor), from the cache when no change touched it. */
  async firstPage(query: PageQuery): Promise<TaskPage> {
    await this.fresh();
    const cached = this.pages.get(query, this.options.now(), this.options.slotsMaxAgeMs);
    if (cached) return cached;
    const edits = this.edits;
    const at = this.options.now();
    const page = await this.options.store.listTasks({ ...query.input, project: this.project });
    // A change applied while the page was read was checked against the pages before this one
    // joined them: not cached then. Changes applied later are checked against it.
    if (this.edits === edits) this.pages.put(query, page, at, (id) => this.entries.get(id));
    return page;
  }
}

/** A text an event clipped (engine/event-row.ts clip): the entry needs the whole text, so it is fetched. */
function clipped(text: string | null | undefined): boolean {
  return typeof text === 'string' && text.length >= EVENT_TEXT_MAX;
}

/** The task fields an entry shows, read back from its JSON (its status unmapped, its times as instants). */
function sourceOf(id: string, entry: Entry): LegacySource & { labels: readonly string[]; version: number } {
  const shown = JSON.parse(entry.legacy) as LegacyTask;
  return {
    id,
    description: shown.description,
    status: entry.status,
    dependencies: shown.dependencies,
    worker: entry.worker,
    output: shown.output ?? null,
    error: shown.error ?? null,
    startedAt: shown.startedAt === undefined ? null : Date.parse(shown.startedAt),
    completedAt: shown.completedAt === undefined ? null : Date.parse(shown.completedAt),
    labels: entry.labels,
    version: entry.version,
  };
}
