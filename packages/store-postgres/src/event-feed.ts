// Every replica sees every event: LISTEN/NOTIFY says "there is more", the events table says what.
//
// Why not the Socket.IO Postgres adapter: it would fan out Socket.IO packets only, while long-polls,
// the MCP endpoint and any in-process subscriber need the events too; and a packet bus cannot
// replay what a replica missed while its connection was down. Here the table is the source of
// truth: a notification (or a local commit, or a reconnect, or a 2 s safety tick) triggers a read
// of the events after the last one delivered, handed on in seq order.
//
// Seqs come from a sequence, so concurrent transactions may commit out of seq order: seq 11 can be
// visible while seq 10 is still committing. The feed delivers only a gap-free prefix and waits for
// a gap to fill; a gap still open after GAP_TIMEOUT_MS belongs to a transaction that rolled back
// (sequences never go back) and is skipped. Readers of the log (resume, long-poll) read only up to
// what the feed has settled, so nobody ever sees seq 11 and then, later, seq 10.
import pg from 'pg';
import type { TaskEvent } from '@task-coordinator/core';
import * as q from './queries.js';

const PAGE = 1000;
/** How long a gap in the seqs may stay open before it is taken for a rolled-back transaction. */
const GAP_TIMEOUT_MS = 5000;

export class EventFeed {
  private delivered = 0;
  private onEvents: ((events: readonly TaskEvent[]) => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private listener: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private tick: NodeJS.Timeout | null = null;
  private gapSince: number | null = null;
  private gapTimer: NodeJS.Timeout | null = null;
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
    const client = new pg.Client(this.clientConfig);
    client.on('notification', () => void this.pump());
    client.on('error', () => undefined);
    client.on('end', () => {
      this.listening = false;
      if (this.listener === client) this.listener = null;
      this.reconnectLater();
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.listener = client;
    this.listening = true;
    this.retryMs = 250;
    // Anything committed while we were not listening.
    await this.pump();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(5000, this.retryMs * 2);
    setTimeout(() => void this.listen().catch(() => this.reconnectLater()), wait).unref();
  }

  /** The last seq every event up to which has been handed on: the settled end of the log. */
  get settled(): number {
    return this.delivered;
  }

  /**
   * Reads and hands on every event after the last delivered one, gap-free. Passes never overlap,
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
        const ready: TaskEvent[] = [];
        let next = this.delivered;
        for (const event of events) {
          if (event.seq !== next + 1 && !this.gapExpired()) break;
          this.gapSince = null;
          ready.push(event);
          next = event.seq;
        }
        if (ready.length) {
          this.delivered = next;
          this.onEvents?.(ready);
        }
        if (ready.length < events.length) return this.waitForGap();
        if (events.length < PAGE) return;
      }
    } catch {
      // The database is away; the next notification, reconnect or tick catches up.
    }
  }

  private gapExpired(): boolean {
    const now = Date.now();
    this.gapSince ??= now;
    return now - this.gapSince > GAP_TIMEOUT_MS;
  }

  /** A transaction with a smaller seq is still committing: look again very soon. */
  private waitForGap(): void {
    if (this.gapTimer || this.closed) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      void this.pump();
    }, 3);
    this.gapTimer.unref();
  }

  /** After a local commit: its events (and any before them) reach subscribers before the caller hears back. */
  async committed(events: readonly TaskEvent[]): Promise<void> {
    if (!events.length || events.at(-1)!.seq <= this.delivered) return;
    await this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    await this.running;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }
}
