// What readers of the SQLite event log may see, and the feed that hands events on: this
// connection's commits once durable, and commits of other processes on the same file.
//
// The visibility watermark. Between its COMMIT and its fsync a group's rows are in the file, but
// its events have not gone out. Readers of the event log (events, lastSeq, history, and retention's
// pruning of events) must not see them before they go out, or a Socket.IO resume would send them
// and then the feed again, a long-poll or a webhook would act on an event that could still vanish,
// and retention could delete the newest event readers see. So every such reader stops below
// `horizon`: the first seq of the oldest commit of ours not yet durable and announced (none: no
// bound). Once a commit's fsync returns, the watermark moves past it and its events go out, in one
// synchronous step.
//
// Other processes. Another process may commit to the same file (`task-coordinator-server
// import-plan` while the server runs, a second server): SQLite tells a connection so through
// `PRAGMA data_version`, which changes with every commit of another connection. It is read every
// `pollMs`; when it changed, the events after the last one handed on and below the watermark
// (theirs only: ours below it went out already) are handed on once an fsync of the WAL, which
// holds their frames too, has returned. And before one of our commits goes out, any events of
// others committed before it (a gap in the seqs) go out first: they are durable with it. So the
// feed hands every event on once, in seq order, whichever process wrote it.
import type { TaskEvent } from '@task-coordinator/core';
import type { Durable, WalSync } from './wal-sync.js';

/** No commit of ours is waiting for its fsync: readers of the event log see every event. */
export const NO_HORIZON = Number.MAX_SAFE_INTEGER;

/** Events read per page when catching up with other processes. */
const PAGE = 1000;

export interface AnnouncerOptions {
  /** Makes commits durable (synchronous FULL); null: each commit is as durable as it gets at once. */
  wal: WalSync | null;
  /** Events with seq > `after` and < `below`, in seq order, at most `limit`. */
  events: (after: number, below: number, limit: number) => TaskEvent[];
  /** `PRAGMA data_version` of this connection. */
  dataVersion: () => number;
  /** The log's last seq, whoever wrote it and whether durable or not (at open: what is history). */
  maxSeq: () => number;
  /** How often another process's commits are looked for (ms). */
  pollMs: number;
}

export class Announcer {
  /** First seq of each commit of ours whose events are not yet durable and announced, oldest first. */
  private readonly unannounced: number[] = [];
  /** The highest seq handed on (or passed over as history). */
  private announced: number;
  private listener: ((events: readonly TaskEvent[]) => void) | null = null;
  private version: number;
  /** Events up to this seq may be others' not yet handed on (the log's end when their commit was seen). */
  private foreignUpTo = 0;
  /** A catch-up waits for its fsync. */
  private catching = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: AnnouncerOptions) {
    this.announced = options.maxSeq();
    this.version = options.dataVersion();
    this.timer = setInterval(() => this.poll(), options.pollMs);
    this.timer.unref();
  }

  /** Readers of the event log see events below this seq only. */
  get horizon(): number {
    return this.unannounced[0] ?? NO_HORIZON;
  }

  start(listener: (events: readonly TaskEvent[]) => void): void {
    this.listener = listener;
  }

  /**
   * After a COMMIT of ours that wrote the events `seqs.first`..`seqs.last` (null: none): once the
   * WAL is synced, readers may see them and `announce` goes out (imported history is passed over:
   * `announce` empty), in one synchronous step; then `done`. If the sync fails they stay hidden
   * for good (their outcome is unknown).
   */
  afterCommit(seqs: { first: number; last: number } | null, announce: readonly TaskEvent[], done: Durable): void {
    if (seqs !== null) this.unannounced.push(seqs.first);
    const durable: Durable = (error) => {
      if (error === null && seqs !== null) {
        // Callbacks come in commit order, so this commit's entry is the oldest.
        this.unannounced.shift();
        // Others' events committed before ours are durable with it: they go out first. A failed
        // read must not stop the other callbacks of this fsync: then ours go out without them.
        if (seqs.first > this.announced + 1) this.tryHandOn(seqs.first);
        if (announce.length) this.listener?.(announce);
        this.announced = Math.max(this.announced, seqs.last);
      }
      done(error);
    };
    if (this.options.wal) this.options.wal.after(durable);
    else durable(null);
  }

  /** Looks for commits of other processes (the timer; tests call it to not wait). */
  poll(): void {
    try {
      const version = this.options.dataVersion();
      if (version !== this.version) {
        this.version = version;
        this.foreignUpTo = Math.max(this.foreignUpTo, this.options.maxSeq());
      }
    } catch {
      return; // closed, or the file is away: the next tick tries again
    }
    if (this.announced >= this.foreignUpTo || this.catching) return;
    const wal = this.options.wal;
    if (wal === null) return this.catchUp();
    // Their frames are in our WAL file: once an fsync that starts now returns, they are durable.
    this.catching = true;
    wal.after((error) => {
      this.catching = false;
      if (error === null) this.catchUp();
    });
  }

  /** Hands on others' events below the watermark (the rest go out before our next commit, or at a later tick). */
  private catchUp(): void {
    this.tryHandOn(this.horizon);
  }

  private tryHandOn(below: number): void {
    try {
      this.handOn(below);
    } catch {
      // The file is away: nothing is handed on now (a tick reads again what is after the last one).
    }
  }

  /** Hands on the events after the last one handed on and below `below`, page by page. */
  private handOn(below: number): void {
    for (;;) {
      const events = this.options.events(this.announced, below, PAGE);
      if (!events.length) return;
      this.announced = (events.at(-1) as TaskEvent).seq;
      this.listener?.(events);
      if (events.length < PAGE) return;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
