// The dispatcher's clock and timers, injectable so tests drive backoff with a fake clock instead of sleeping.
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Timers on a clock the caller moves (tests): `advance(ms)` moves the clock and fires, in time
 * order, every timer due by then, including timers those timers set.
 */
export class ManualTimers implements Timers {
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start: number) {
    this.current = start;
  }

  now = (): number => this.current;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** How many timers are waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.current + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.pending)
        if (entry[1].at <= until && (next === null || entry[1].at < next[1].at)) next = entry;
      if (next === null) break;
      this.pending.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = until;
  }
}
