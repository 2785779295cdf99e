// Long-poll wake-ups: waiters sleep until an event may have made work claimable, never polling the database.
import type { EventType, Store, TaskEvent } from '@task-coordinator/core';

/** Events after which a waiting claim-next may now succeed (new work, or a slot freed). */
const WORK_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'task.added',
  'task.unblocked',
  'task.released',
  'task.expired',
  'task.retrying',
  'task.reset',
  'task.edited',
  'slot.released',
  'slot.expired',
  'tasks.cleaned',
]);

export type WaitOutcome = 'woken' | 'timeout' | 'aborted' | 'closed';

export interface Armed {
  /** Resolves at the first wake-up since arming, the timeout, the abort, or shutdown. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  disarm(): void;
}

/** A store's commits as they happen, before they are durable (SqliteBackend.onCommitted). */
export type CommittedSource = (listener: (events: readonly TaskEvent[]) => void) => () => void;

/**
 * Arm before checking for work, wait after: an event that lands between the check and the wait
 * is not lost, because the waiter was already registered when it fired.
 *
 * With `committed` (SQLite), claim-next waiters wake at the commit of the work event, not at its
 * fsync: the claim they retry commits after it, so its own fsync covers both and it shares the
 * adder's fsync (one sync between "task added" and "claimed", not two). Nothing is answered
 * sooner: the claim still waits for durability. Feed waiters read the event log, so they wake on
 * the durable feed only.
 */
export class Wakeups {
  private readonly work = new Map<string, Set<(outcome: WaitOutcome) => void>>();
  private readonly feed = new Set<(outcome: WaitOutcome) => void>();
  private closed = false;
  /**
   * With `committed`: the newest seq claim waiters were woken for at its commit, so the durable
   * feed does not wake them again for it (one writer: seqs come in commit order).
   */
  private earlySeq: number | null = null;
  private readonly unsubscribe: () => void;

  constructor(store: Store, committed?: CommittedSource) {
    const unsubscribe = store.subscribe((event) => this.onEvent(event));
    if (committed) this.earlySeq = 0;
    const early = committed?.((events) => {
      for (const event of events) {
        this.earlySeq = Math.max(this.earlySeq ?? 0, event.seq);
        this.wakeWork(event);
      }
    });
    this.unsubscribe = () => {
      unsubscribe();
      early?.();
    };
  }

  /** How many requests are waiting (claim-next and event feed). */
  get waiting(): number {
    let n = this.feed.size;
    for (const set of this.work.values()) n += set.size;
    return n;
  }

  private onEvent(event: TaskEvent): void {
    if (this.earlySeq === null || event.seq > this.earlySeq) this.wakeWork(event);
    for (const wake of [...this.feed]) wake('woken');
  }

  private wakeWork(event: TaskEvent): void {
    if (!WORK_EVENTS.has(event.type)) return;
    const set = this.work.get(event.project);
    if (set) for (const wake of [...set]) wake('woken');
  }

  /** Arms a waiter for claimable work in `project`, or (project null) for any event at all. */
  arm(project: string | null): Armed {
    let fire: ((outcome: WaitOutcome) => void) | null = null;
    let early: WaitOutcome | null = this.closed ? 'closed' : null;
    const wake = (outcome: WaitOutcome) => {
      if (fire) fire(outcome);
      else early ??= outcome;
    };
    const set = project === null ? this.feed : (this.work.get(project) ?? new Set());
    if (project !== null && !this.work.has(project)) this.work.set(project, set);
    set.add(wake);
    const disarm = () => {
      set.delete(wake);
      if (project !== null && set.size === 0) this.work.delete(project);
    };
    return {
      disarm,
      wait: (timeoutMs, signal) =>
        new Promise<WaitOutcome>((resolve) => {
          if (early) return resolve(early);
          if (signal?.aborted) return resolve('aborted');
          const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
          const onAbort = () => finish('aborted');
          signal?.addEventListener('abort', onAbort, { once: true });
          const finish = (outcome: WaitOutcome) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            fire = null;
            resolve(outcome);
          };
          fire = finish;
        }),
    };
  }

  /** Wakes every waiter with 'closed' (shutdown) and refuses new waits. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const set of this.work.values()) for (const wake of [...set]) wake('closed');
    for (const wake of [...this.feed]) wake('closed');
  }
}
