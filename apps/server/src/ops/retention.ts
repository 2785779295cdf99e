// Retention: old events and finished tasks pruned in small batches, each its own short transaction.
//
// A pass removes at most `batch` events and `batch` tasks, then yields to the event loop, so
// claims queue behind one small transaction at a time, never behind a long delete.
import type { Instant, Store } from '@task-coordinator/core';
import type { Logger } from '../http/errors.js';
import type { Metrics } from './metrics.js';

export interface RetentionOptions {
  store: Store;
  metrics: Metrics;
  log: Logger;
  clock: () => Instant;
  /** Events older than this are removed; null keeps them all. */
  retainEventsMs: number | null;
  /** Done and cancelled tasks unchanged for this long are removed; null keeps them all. */
  retainDoneMs: number | null;
  intervalMs: number;
  /** Rows of each kind one pass removes at most. */
  batch?: number;
}

/** Passes one run makes at most: a run that cannot catch up goes on at the next interval. */
const MAX_PASSES = 1000;

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<{ events: number; tasks: number }> | null = null;
  private next: Promise<{ events: number; tasks: number }> | null = null;
  private closed = false;
  private readonly batch: number;

  constructor(private readonly options: RetentionOptions) {
    this.batch = options.batch ?? 500;
  }

  get enabled(): boolean {
    return this.options.retainEventsMs !== null || this.options.retainDoneMs !== null;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * Prunes until nothing is left to prune (or MAX_PASSES) with the cutoffs as of now. A run in
   * flight read its cutoffs earlier, so a call meanwhile gets the run queued behind it (calls
   * during one run share the next). A pass takes its fsync's time off the event loop (SQLite), so
   * a run is often in flight when a caller advances the clock and asks again.
   */
  runOnce(): Promise<{ events: number; tasks: number }> {
    if (this.running) {
      this.next ??= this.running.then(() => {
        this.next = null;
        return this.runOnce();
      });
      return this.next;
    }
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<{ events: number; tasks: number }> {
    const total = { events: 0, tasks: 0 };
    if (!this.enabled || this.closed) return total;
    const now = this.options.clock();
    const eventsBefore = this.options.retainEventsMs === null ? null : now - this.options.retainEventsMs;
    const tasksBefore = this.options.retainDoneMs === null ? null : now - this.options.retainDoneMs;
    try {
      for (let pass = 0; pass < MAX_PASSES && !this.closed; pass++) {
        const pruned = await this.options.store.prune({ eventsBefore, tasksBefore, limit: this.batch });
        this.options.metrics.recordRetention(pruned);
        total.events += pruned.events;
        total.tasks += pruned.tasks;
        // A short pass may have uncovered more: a finished chain goes leaf first, one level a pass.
        if (pruned.events === 0 && pruned.tasks === 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.options.log('retention pass failed', error);
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.next;
    await this.running;
  }
}
