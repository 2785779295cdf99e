// The live board: loads a project's tasks page by page, then follows Socket.IO from the seq it
// loaded at, so no event between the load and the subscription is missed and none is applied
// twice in effect. Reconnects resume from the last seq seen (socket.io-client re-reads `auth`);
// a 'resync' (too far behind, or a restored database) reloads.
//
// The snapshot is immutable (the useSyncExternalStore contract): events are queued as they come and
// applied once per frame into a new board that shares every untouched column (apply-event.ts).
// Views read it through selectors (use-board.ts), each re-rendering only when its slice changed.
import { io, type Socket } from 'socket.io-client';
import { pages, type BoardStats, type SlotView, type Task, type TaskEvent } from '@task-coordinator/core';
import { ApiError, api, type Api } from '../api/client.js';
import { getToken } from '../api/token.js';
import { BoardDraft, applyEvent, emptyBoard, putTask, type BoardData } from './apply-event.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'unauthorized';

export interface BoardSnapshot {
  readonly board: BoardData;
  readonly slots: readonly SlotView[];
  readonly stats: BoardStats | null;
  readonly connection: ConnectionState;
  /** True until every page of tasks is in. */
  readonly loading: boolean;
  /** The last event applied to `board`. */
  readonly lastSeq: number;
  /** Why the last load failed, while offline. */
  readonly error: string | null;
}

type Listener = () => void;

const PAGE = 1000;
const SLOT_REFRESH_MS = 3000;

export class BoardStore {
  readonly api: Api;
  private snapshot: BoardSnapshot;
  private readonly listeners = new Set<Listener>();
  private socket: Socket | null = null;
  private frame: ReturnType<typeof setTimeout> | number | null = null;
  private slotTimer: ReturnType<typeof setInterval> | null = null;
  private slotsStale = false;
  private loadController: AbortController | null = null;
  private readonly taskListeners = new Map<string, Set<(event: TaskEvent) => void>>();
  private readonly eventListeners = new Set<(event: TaskEvent) => void>();
  private closed = false;
  /** Events received, not yet applied (the next frame applies them all at once). */
  private queued: TaskEvent[] = [];
  /** Tasks fetched (pages, actions' answers), not yet applied. */
  private fetched: Task[] = [];
  /** Leases renewed by heartbeats (no event): task id → lease, taken from the slots. */
  private leases = new Map<string, { slot: number; until: number }>();
  /** The last seq received (queued or applied): a reconnect resumes after it. */
  private receivedSeq = 0;

  constructor(readonly project: string) {
    this.api = api(project);
    this.snapshot = {
      board: emptyBoard(),
      slots: [],
      stats: null,
      connection: 'connecting',
      loading: true,
      lastSeq: 0,
      error: null,
    };
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): BoardSnapshot => this.snapshot;

  /** Calls `listener` for every event about one task (the task page refreshes from them). */
  onTaskEvent(taskId: string, listener: (event: TaskEvent) => void): () => void {
    let set = this.taskListeners.get(taskId);
    if (!set) this.taskListeners.set(taskId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls `listener` for every event received (views that follow more than tasks: reservations). */
  onEvent(listener: (event: TaskEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  start(): void {
    this.closed = false;
    void this.load();
    this.slotTimer = setInterval(() => void this.refreshSlots(), SLOT_REFRESH_MS);
  }

  close(): void {
    this.closed = true;
    this.loadController?.abort();
    this.socket?.disconnect();
    this.socket = null;
    if (this.slotTimer) clearInterval(this.slotTimer);
  }

  /** After the token changed: load again from scratch. */
  reload(): void {
    this.socket?.disconnect();
    this.socket = null;
    void this.load();
  }

  private update(patch: Partial<BoardSnapshot>, now = false): void {
    this.snapshot = { ...this.snapshot, ...patch };
    if (now) return this.emit();
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    const run = () => {
      this.frame = null;
      this.flush();
      this.emit();
    };
    // One render per frame however many events arrive; a hidden tab still converges (timeout).
    this.frame =
      typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible'
        ? requestAnimationFrame(run)
        : setTimeout(run, 50);
  }

  /** Applies what arrived since the last frame: one new board, sharing every untouched column. */
  private flush(): void {
    if (!this.queued.length && !this.fetched.length && !this.leases.size) return;
    const draft = new BoardDraft(this.snapshot.board);
    for (const task of this.fetched) putTask(draft, task);
    for (const event of this.queued) applyEvent(draft, event);
    for (const [id, lease] of this.leases) {
      const task = draft.get(id);
      if (task && task.slot === lease.slot && (task.leaseExpiresAt ?? 0) < lease.until)
        draft.set({ ...task, leaseExpiresAt: lease.until });
    }
    const lastSeq = this.queued.at(-1)?.seq ?? this.snapshot.lastSeq;
    this.queued = [];
    this.fetched = [];
    this.leases = new Map();
    this.snapshot = { ...this.snapshot, board: draft.finish(), lastSeq };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private async load(): Promise<void> {
    this.loadController?.abort();
    const controller = (this.loadController = new AbortController());
    this.queued = [];
    this.fetched = [];
    this.leases = new Map();
    this.update(
      {
        board: emptyBoard(),
        loading: true,
        error: null,
        connection: this.snapshot.connection === 'live' ? 'reconnecting' : 'connecting',
      },
      true,
    );
    try {
      // The seq first: every event after it is replayed once subscribed, so nothing is missed.
      const stats = await this.api.stats(controller.signal);
      for await (const page of pages((after) => this.api.listTasks({ limit: PAGE, ...after }, controller.signal))) {
        this.fetched.push(...page.tasks);
        this.update({ stats });
        if (controller.signal.aborted) break;
      }
      if (controller.signal.aborted) return;
      this.receivedSeq = stats.lastSeq;
      this.update({ loading: false, lastSeq: stats.lastSeq, stats });
      void this.refreshSlots();
      this.connect();
    } catch (error) {
      if (controller.signal.aborted || this.closed) return;
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED')
        return this.update({ connection: 'unauthorized', loading: false }, true);
      this.update({ connection: 'offline', error: error instanceof Error ? error.message : String(error) }, true);
      // Retry the load while the server is away, with a little patience.
      setTimeout(() => !this.closed && !controller.signal.aborted && void this.load(), 2000);
    }
  }

  private connect(): void {
    const socket = io({
      // Re-read on every (re)connect: the server replays what happened after lastSeq.
      auth: (cb) => cb({ token: getToken() ?? undefined, project: this.project, lastSeq: this.receivedSeq }),
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.on('event', (event: TaskEvent) => this.receive(event));
    socket.on('ready', () => {
      this.update({ connection: 'live' }, true);
      void this.refreshStats();
    });
    socket.on('resync', () => this.reload());
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'UNAUTHORIZED' || error.message === 'UNAUTHORIZED') {
        socket.disconnect();
        this.update({ connection: 'unauthorized' }, true);
        return;
      }
      this.update({ connection: 'offline' }, true);
    });
    socket.on('disconnect', (reason) => {
      this.update({ connection: 'reconnecting' }, true);
      // A server shutting down disconnects its clients itself, and socket.io-client does not retry
      // those on its own: come back when the server (or its replacement) is up again.
      if (reason === 'io server disconnect') setTimeout(() => this.socket === socket && socket.connect(), 500);
    });
  }

  private receive(event: TaskEvent): void {
    // The server sends each seq once, in order; after a reconnect it resumes after the last one seen.
    if (event.seq <= this.receivedSeq) return;
    this.receivedSeq = event.seq;
    this.queued.push(event);
    if (event.type.startsWith('slot.') || event.type === 'tasks.cleaned' || event.slot !== null) this.slotsStale = true;
    this.schedule();
    if (event.taskId) for (const listener of this.taskListeners.get(event.taskId) ?? []) listener(event);
    for (const listener of this.eventListeners) listener(event);
    // Clean-all names no task: every open task page must look again.
    if (event.type === 'tasks.cleaned')
      for (const set of this.taskListeners.values()) for (const listener of set) listener(event);
    if (this.slotsStale) void this.refreshSlots();
  }

  private slotsInFlight = false;

  async refreshSlots(): Promise<void> {
    if (this.slotsInFlight || this.closed || this.snapshot.connection === 'unauthorized') return;
    this.slotsInFlight = true;
    this.slotsStale = false;
    try {
      const { slots } = await this.api.slots();
      // A heartbeat renews a holder's lease without an event: take the fresher lease from its slot.
      for (const slot of slots)
        if (slot.taskId !== null && slot.leaseExpiresAt !== null)
          this.leases.set(slot.taskId, { slot: slot.slot, until: slot.leaseExpiresAt });
      this.update({ slots });
    } catch {
      // Shown by the connection state; the next tick tries again.
    } finally {
      this.slotsInFlight = false;
      // Events that arrived during the request: one more round, after a breath.
      if (this.slotsStale) setTimeout(() => void this.refreshSlots(), 200);
    }
  }

  private async refreshStats(): Promise<void> {
    try {
      this.update({ stats: await this.api.stats() });
    } catch {
      // Counts stay as recounted from events.
    }
  }

  /** Puts a task as just fetched (the task page, or an action's answer). */
  put(task: Task): void {
    this.fetched.push(task);
    this.schedule();
  }
}

export type { Task };
