// Every replica sees every event: LISTEN/NOTIFY says "there is more", the events table says what.
//
// Why not the Socket.IO Postgres adapter: it would fan out Socket.IO packets only, while long-polls,
// the MCP endpoint and any in-process subscriber need the events too; and a packet bus cannot
// replay what a replica missed while its connection was down. Here the table is the source of
// truth: a notification (or a local commit, or a reconnect, or a 2 s safety tick) triggers a read
// of the events after the last one delivered, handed on in seq order.
//
// Seqs are taken in commit order (queries.ts holds a lock from taking seqs to COMMIT), so reading
// "after the last delivered seq" never misses an event that commits later with a smaller seq.
import pg from 'pg';
import type { TaskEvent } from '@task-coordinator/core';
import * as q from './queries.js';

const PAGE = 1000;

export class EventFeed {
  private delivered = 0;
  /** Local commits in flight: their seqs are known only when they answer (transaction.ts). */
  private inFlight = 0;
  /** The highest seq notified while local commits were in flight: read once they have answered. */
  private deferred = 0;
  private onEvents: ((events: readonly TaskEvent[]) => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private listener: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private tick: NodeJS.Timeout | null = null;
  private reconnecting = false;
  /** Whether the LISTEN connection is up (health detail). */
  listening = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clientConfig: pg.ClientConfig,
    readonly channel: string,
  ) {}

  /** Starts delivering from the current end of the log, and listening. */
  async open(): Promise<void> {
    this.delivered = await q.lastSeq(this.pool);
    await this.listen().catch(() => this.reconnectLater());
    this.tick = setInterval(() => void this.pump(), 2000);
    this.tick.unref();
  }

  start(onEvents: (events: readonly TaskEvent[]) => void): void {
    this.onEvents = onEvents;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...this.clientConfig, keepAlive: true });
    // The payload is the last seq of the commit. This replica's own commits are delivered by
    // committed() (or caught up by the pump after a failed one), so they need no read here; while
    // one is in flight, a notification may be its own, so it waits for the commit's answer.
    client.on('notification', (message) => {
      const seq = Number(message.payload);
      if (!(seq > this.delivered)) return;
      if (this.inFlight > 0) this.deferred = Math.max(this.deferred, seq);
      else void this.pump();
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    // The one place a lost connection leads to a reconnect.
    client.on('end', () => {
      this.listening = false;
      if (this.listener === client) this.listener = null;
      this.reconnectLater();
    });
    this.listener = client;
    this.listening = true;
    this.retryMs = 250;
    // Anything committed while we were not listening.
    await this.pump();
  }

  /** Schedules one reconnect attempt (never two at once), backing off up to 5 s. */
  private reconnectLater(): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    const wait = this.retryMs;
    this.retryMs = Math.min(5000, this.retryMs * 2);
    setTimeout(() => {
      this.reconnecting = false;
      void this.listen().catch(() => this.reconnectLater());
    }, wait).unref();
  }

  /** The last seq handed on: readers of the log go no further, so they agree with the live feed. */
  get settled(): number {
    return this.delivered;
  }

  /**
   * Reads and hands on every event after the last delivered one, in order. Passes never overlap,
   * and requests that arrive during a pass share one more pass (a burst of commits costs one read).
   */
  pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.closed);
      this.running = null;
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.closed) return;
    try {
      for (;;) {
        const events = await q.events(this.pool, null, this.delivered, PAGE);
        if (!events.length) return;
        this.delivered = events.at(-1)!.seq;
        this.onEvents?.(events);
        if (events.length < PAGE) return;
      }
    } catch {
      // The database is away; the next notification, reconnect or tick catches up.
    }
  }

  /** Marks events up to `seq` as delivered without handing them on (imported history is not news). */
  async skipTo(seq: number): Promise<void> {
    await this.running;
    if (seq > this.delivered) this.delivered = seq;
  }

  /** Before a local group's writes: notifications wait until committed() or abandoned() is called for it. */
  committing(): void {
    this.inFlight++;
  }

  /** A local commit failed or its outcome is unknown: read the log rather than trust anything skipped. */
  abandoned(): void {
    this.inFlight--;
    this.deferred = 0;
    void this.pump();
  }

  /**
   * The notifications deferred while a local commit was in flight, once it has answered: read
   * unless its own events covered them. (Not held for other commits still in flight: with several
   * groups at once, one is nearly always in flight, and other replicas' events must still flow.)
   */
  private settleDeferred(): void {
    if (this.deferred === 0) return;
    const seq = this.deferred;
    this.deferred = 0;
    if (seq > this.delivered) void this.pump();
  }

  /**
   * After a local commit: its events (and any before them) reach subscribers before the caller
   * hears back. When they follow the last delivered event directly (seqs are taken in commit
   * order, so nothing can still appear between), they are handed on as they are, without reading
   * them back; after a gap (another replica's commit, a rolled-back seq) the log is read.
   */
  async committed(events: readonly TaskEvent[]): Promise<void> {
    this.inFlight--;
    if (!events.length || events.at(-1)!.seq <= this.delivered) return this.settleDeferred();
    if (!this.running && events[0]!.seq === this.delivered + 1) {
      this.delivered = events.at(-1)!.seq;
      this.onEvents?.(events);
      return this.settleDeferred();
    }
    this.deferred = 0;
    await this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    await this.running;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }
}
