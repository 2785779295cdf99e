// The SQLite backend: commands group-committed in BEGIN IMMEDIATE transactions, made durable off the event loop.
//
// Commands queued in one turn of the event loop run together in one transaction (a rejected
// command writes nothing, see commitGroup). The durable part of the commit, an fsync of the WAL,
// runs on libuv's thread pool (wal-sync.ts): inside COMMIT with synchronous=FULL it blocked the
// event loop for every group. Commands that arrive while an fsync runs are held, and committed
// when it returns, just before the next one, which covers them all. Only after its fsync are a
// group's events announced (this backend is the Coordinator's feed) and its commands answered:
// nothing is acknowledged before its fsync.
//
// Readers of the event log stop below a watermark until a commit's events have gone out, and the
// feed also hands on the commits of other processes on the same file (announcer.ts). Task and slot
// reads are not bounded; docs/architecture.md ("SQLite: the durable commit") says why.
import Database from 'better-sqlite3';
import {
  DomainError,
  runSync,
  type Backend,
  type BackendOverview,
  type EventFilter,
  type ImportBatch,
  type PruneResult,
  type Instant,
  type ListQuery,
  type Program,
  type Slot,
  type Task,
  type TaskWithDependents,
  type Reservation,
  type FileHolding,
  type TaskEvent,
  type TaskStatus,
  type DispatchLease,
  type WebhookCursor,
} from '@task-coordinator/core';
import { migrate } from './migrations/index.js';
import { prepareQueries, type Queries } from './queries.js';
import { prepareWebhookQueries } from './webhook-queries.js';
import { mapSqliteError } from './sqlite-errors.js';
import { WalSync, type FsyncFn } from './wal-sync.js';
import { Announcer, NO_HORIZON } from './announcer.js';

export interface SqliteBackendOptions {
  /** Path of the database file (created when missing). */
  file: string;
  /** FULL (default): a commit survives power loss. NORMAL: survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a command waits for another process's write lock before STORE_BUSY. */
  busyTimeoutMs?: number;
  /** Most commands committed together; bounds the latency one group adds. */
  maxGroupSize?: number;
  /** The fsync used to make commits durable (tests hold or fail it); fs.fsync by default. */
  fsync?: FsyncFn;
  /** How often commits of other processes on the file are looked for, in ms (default 250). */
  foreignPollMs?: number;
}

interface Pending {
  program: (now: Instant) => Program<unknown>;
  clock: () => Instant;
  resolve: (value: { result: unknown; events: TaskEvent[] }) => void;
  reject: (error: unknown) => void;
}

export class SqliteBackend implements Backend {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly q: Queries;
  private readonly webhooks: ReturnType<typeof prepareWebhookQueries>;
  private readonly maxGroupSize: number;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly drained: Array<() => void> = [];
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  /** Makes commits durable (synchronous FULL); null with NORMAL, where a commit survives a process crash only. */
  private readonly wal: WalSync | null;
  /** The watermark of the event log's readers, and the feed (announcer.ts). */
  private readonly announcer: Announcer;
  private readonly committed = new Set<(events: readonly TaskEvent[]) => void>();
  /**
   * The Coordinator's feed: this backend announces each commit's events itself, once durable and
   * in the same step as readers of the event log may see them (so the Coordinator does not).
   */
  readonly feed = {
    start: (onEvents: (events: readonly TaskEvent[]) => void): void => this.announcer.start(onEvents),
  };
  /** Commits so far and commands in them: the group-commit factor, for benchmarks and metrics. */
  readonly stats = { commits: 0, commands: 0 };

  constructor(options: SqliteBackendOptions) {
    this.file = options.file;
    this.maxGroupSize = options.maxGroupSize ?? 512;
    let db: Database.Database | undefined;
    try {
      db = new Database(options.file);
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new DomainError('STORE_UNAVAILABLE', `cannot switch ${options.file} to WAL mode (got ${String(mode)})`);
      // NORMAL on the connection either way: COMMIT never syncs on the event loop. With FULL (the
      // default) the WAL is synced off-thread before anything is acknowledged (wal-sync.ts).
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = OFF');
      db.pragma('cache_size = -32000');
      // lower() in SQLite folds ASCII only; the search must match the other stores on any text.
      db.function('tc_lower', { deterministic: true }, (text: unknown) =>
        typeof text === 'string' ? text.toLowerCase() : text,
      );
      migrate(db);
    } catch (error) {
      db?.close();
      const mapped = mapSqliteError(error);
      throw mapped.code === 'INTERNAL' || mapped.code === 'STORE_UNAVAILABLE'
        ? new DomainError(
            'STORE_UNAVAILABLE',
            `cannot open SQLite database ${options.file}: ${(error as Error).message}`,
            { file: options.file },
            { cause: error },
          )
        : mapped;
    }
    this.db = db;
    this.q = prepareQueries(db);
    this.webhooks = prepareWebhookQueries(db);
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.wal =
      (options.synchronous ?? 'FULL') === 'FULL'
        ? new WalSync(
            `${options.file}-wal`,
            options.fsync,
            () => this.commitQueued(),
            () => this.queue.length > 0,
          )
        : null;
    this.announcer = new Announcer({
      wal: this.wal,
      events: (after, below, limit) => this.q.eventsAfter(after, below, limit),
      dataVersion: () => this.db.pragma('data_version', { simple: true }) as number,
      maxSeq: () => this.q.lastSeq(NO_HORIZON),
      pollMs: options.foreignPollMs ?? 250,
    });
  }

  /**
   * Calls `listener` right after each COMMIT of a command group with its events, before they are
   * durable and before anyone is answered. Only for in-process work that itself runs commands on
   * this backend (a long-poll waiter retrying its claim): such a command commits after these
   * events, so its own fsync covers them, and it is answered only after that. Never announce or
   * act outside with these: the feed (`feed.start`) is what is durable. Must not throw.
   */
  onCommitted(listener: (events: readonly TaskEvent[]) => void): () => void {
    this.committed.add(listener);
    return () => this.committed.delete(listener);
  }

  /** Readers of the event log see events below this seq only (announcer.ts). */
  private get horizon(): number {
    return this.announcer.horizon;
  }

  /** Looks for commits of other processes on the file now, rather than at the next tick (tests). */
  pollForeignCommits(): void {
    this.announcer.poll();
  }

  /** fsyncs of the WAL so far (commits per fsync: how many groups one sync covered). */
  get syncs(): number {
    return this.wal?.syncs ?? this.stats.commits;
  }

  execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }> {
    if (this.closed) return Promise.reject(new DomainError('STORE_UNAVAILABLE', 'the store is closed'));
    if (this.wal?.failed) return Promise.reject(this.wal.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ program, clock, resolve: resolve as Pending['resolve'], reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate: commands issued in this turn of the event loop join the same group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    // While an fsync runs, what is queued is held: committed when it returns (wal-sync.ts says
    // why), and close() waits for that fsync and the next.
    if (!this.wal?.syncing) {
      const group = this.queue.splice(0, this.maxGroupSize);
      if (this.queue.length) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
      if (group.length) this.commitGroup(group);
    }
    if (!this.scheduled) for (const done of this.drained.splice(0)) done();
  }

  /** Just before an fsync starts: commits what is queued now, so that fsync covers it too (after a failed one: refuses it). */
  private commitQueued(): void {
    while (this.queue.length) this.commitGroup(this.queue.splice(0, this.maxGroupSize));
  }

  /**
   * Runs a group in one transaction. Rules write nothing until they return (persist comes after),
   * so a command a rule rejects needs no rollback. Only a failed write (a bug, a full disk) spoils
   * the transaction: then it is rolled back whole and each command runs again on its own, so the
   * failure stays with the command that caused it.
   */
  private commitGroup(group: Pending[]): void {
    if (this.wal?.failed) {
      // Queued before an fsync failed: refused unwritten, like a command issued after it.
      for (const op of group) op.reject(this.wal.failed);
      return;
    }
    try {
      this.begin.run();
    } catch (error) {
      const mapped = mapSqliteError(error);
      for (const op of group) op.reject(mapped);
      return;
    }
    const outcomes: Array<
      { ok: true; value: { result: unknown; events: TaskEvent[] } } | { ok: false; error: unknown }
    > = [];
    for (const op of group) {
      let outcome;
      try {
        outcome = runSync(op.program(op.clock()), (load) => this.q.answer(load));
      } catch (error) {
        if (!this.db.inTransaction) {
          // SQLite rolled the whole transaction back itself (I/O error, out of memory): nothing of
          // this group is written; every command fails with the cause, none half-applied.
          const mapped = mapSqliteError(error);
          for (const each of group) each.reject(mapped);
          return;
        }
        outcomes.push({ ok: false, error: mapSqliteError(error) });
        continue;
      }
      try {
        outcomes.push({ ok: true, value: { result: outcome.result, events: this.q.persist(outcome.change) } });
      } catch (error) {
        this.safeRollback();
        if (group.length === 1) {
          op.reject(mapSqliteError(error));
          return;
        }
        for (const each of group) this.commitGroup([each]);
        return;
      }
    }
    try {
      this.commit.run();
    } catch (error) {
      this.safeRollback();
      const mapped = mapSqliteError(error);
      for (const op of group) op.reject(mapped);
      return;
    }
    this.stats.commits++;
    this.stats.commands += group.length;
    const events: TaskEvent[] = [];
    for (const outcome of outcomes) if (outcome.ok) events.push(...outcome.value.events);
    // A rejected command wrote nothing, but it is answered in order with the rest of its group.
    const seqs = events.length ? { first: events[0]!.seq, last: events.at(-1)!.seq } : null;
    this.announcer.afterCommit(seqs, events, (error) =>
      group.forEach((op, i) => {
        const outcome = outcomes[i] as (typeof outcomes)[number];
        if (error) op.reject(error);
        else if (outcome.ok) op.resolve(outcome.value);
        else op.reject(outcome.error);
      }),
    );
    if (events.length)
      for (const listener of this.committed) {
        try {
          listener(events);
        } catch {
          // A listener only wakes waiters; the commit and its answers must not depend on it.
        }
      }
  }

  /** Rolls back if a transaction is open; a failing rollback must not escape setImmediate. */
  private safeRollback(): void {
    try {
      if (this.db.inTransaction) this.rollback.run();
    } catch {
      // The connection is unusable; the next BEGIN reports it to every caller.
    }
  }

  private read<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new DomainError('STORE_UNAVAILABLE', 'the store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(mapSqliteError(error));
    }
  }

  getTask(project: string, id: string): Promise<TaskWithDependents | null> {
    return this.read(() => this.q.getTask(project, id));
  }

  reservations(project: string, worker: string | null, taskId: string | null): Promise<Reservation[]> {
    return this.read(() => this.q.reservations(project, worker, taskId));
  }

  holdings(project: string): Promise<FileHolding[]> {
    return this.read(() => this.q.holdings(project));
  }

  listTasks(query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }> {
    return this.read(() => this.q.listTasks(query));
  }

  heldSlots(project: string): Promise<Slot[]> {
    return this.read(() => this.q.heldSlots(project));
  }

  countByStatus(project: string): Promise<Partial<Record<TaskStatus, number>>> {
    return this.read(() => this.q.countByStatus(project));
  }

  overview(): Promise<BackendOverview[]> {
    return this.read(() => this.q.overview());
  }

  lastSeq(): Promise<number> {
    return this.read(() => this.q.lastSeq(this.horizon));
  }

  history(project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
    return this.read(() => this.q.history(project, taskId, limit, this.horizon));
  }

  events(filter: EventFilter): Promise<TaskEvent[]> {
    return this.read(() => this.q.events(filter, this.horizon));
  }

  /** Imported events are history, not news: hidden until durable, never announced. */
  importRecords(batch: ImportBatch): Promise<void> {
    const seqs = batch.events.map((e) => e.seq);
    return this.write(
      () => this.q.importRecords(batch),
      seqs.length ? { first: Math.min(...seqs), last: Math.max(...seqs) } : null,
    );
  }

  webhookCursors(): Promise<WebhookCursor[]> {
    return this.read(() => this.webhooks.cursors());
  }

  saveWebhookCursor(webhook: string, seq: number, now: Instant): Promise<WebhookCursor> {
    return this.write(() => this.webhooks.advance(webhook, seq, now));
  }

  takeDispatchLease(owner: string, now: Instant, ttlMs: number, replacing: string | null): Promise<DispatchLease> {
    return this.write(() => this.webhooks.take(owner, now, ttlMs, replacing));
  }

  /** A write outside the command groups: its own transaction, answered once durable like a group. */
  private write<T>(fn: () => T, seqs: { first: number; last: number } | null = null): Promise<T> {
    if (this.closed) return Promise.reject(new DomainError('STORE_UNAVAILABLE', 'the store is closed'));
    if (this.wal?.failed) return Promise.reject(this.wal.failed);
    let result: T;
    try {
      result = this.inTransaction(fn);
    } catch (error) {
      return Promise.reject(mapSqliteError(error));
    }
    // Registered in the same synchronous step as the COMMIT: no reader runs in between.
    return new Promise((resolve, reject) =>
      this.announcer.afterCommit(seqs, [], (error) => (error ? reject(error) : resolve(result))),
    );
  }

  /** Runs `fn` in its own BEGIN IMMEDIATE transaction (never inside a group: commits are synchronous). */
  private inTransaction<T>(fn: () => T): T {
    this.begin.run();
    try {
      const result = fn();
      this.commit.run();
      return result;
    } catch (error) {
      this.safeRollback();
      throw error;
    }
  }

  /**
   * A retention pass in its own short transaction. Commands run synchronously inside a group
   * commit, so this never interleaves with one; it only waits its turn like any writer.
   */
  prune(
    events: { before: Instant; limit: number } | null,
    tasks: ((now: Instant) => Program<number>) | null,
    clock: () => Instant,
  ): Promise<PruneResult> {
    // Events below the visibility bound only; the pass waits for its fsync like any write.
    return this.write(() => {
      const removed = events === null ? 0 : this.q.pruneEvents(events.before, events.limit, this.horizon);
      if (tasks === null) return { events: removed, tasks: 0 };
      const { result, change } = runSync(tasks(clock()), (load) => this.q.answer(load));
      this.q.persist(change);
      return { events: removed, tasks: result };
    });
  }

  /** Fails once an fsync has failed: writes are refused from then on, so the store is not healthy. */
  ping(): Promise<void> {
    if (this.wal?.failed) return Promise.reject(this.wal.failed);
    return this.read(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  /** Runs the integrity check; "ok" when the file is sound. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Commits what is queued, waits for its fsync, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.scheduled) await new Promise<void>((resolve) => this.drained.push(resolve));
    this.closed = true;
    this.announcer.stop();
    // Every commit made is answered (synced, or refused if the sync failed) before the file closes.
    await this.wal?.close();
    try {
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }
}
