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

/**
 * Arm before checking for work, wait after: an event that lands between the check and the wait
 * is not lost, because the waiter was already registered when it fired.
 */
export class Wakeups {
  private readonly work = new Map<string, Set<(outcome: WaitOutcome) => void>>();
  private readonly feed = new Set<(outcome: WaitOutcome) => void>();
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(store: Store) {
    this.unsubscribe = store.subscribe((event) => this.onEvent(event));
  }

  /** How many requests are waiting (claim-next and event feed). */
  get waiting(): number {
    let n = this.feed.size;
    for (const set of this.work.values()) n += set.size;
    return n;
  }

  private onEvent(event: TaskEvent): void {
    if (WORK_EVENTS.has(event.type)) {
      const set = this.work.get(event.project);
      if (set) for (const wake of [...set]) wake('woken');
    }
    for (const wake of [...this.feed]) wake('woken');
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
