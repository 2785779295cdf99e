// The PostgreSQL backend: commands group-committed, each group one READ COMMITTED transaction on a
// pooled connection (see group.ts), retried on the failures that roll it back for certain
// (serialization, deadlock, a lost race, a dropped connection before COMMIT). A connection lost
// *during* COMMIT leaves the outcome unknown: that is reported (STORE_UNAVAILABLE), never
// retried, so no command is ever applied twice.
import pg from 'pg';
import {
  DomainError,
  isEmptyChange,
  runAsync,
  type Backend,
  type BackendOverview,
  type EventFilter,
  type ImportBatch,
  type PruneResult,
  type Instant,
  type ListQuery,
  type Outcome,
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
import { migrate, quoteIdent } from './migrations/index.js';
import * as q from './queries.js';
import { deleteTasks, importRecords, writeChanges } from './batch-writes.js';
import { advanceWebhookCursor, takeDispatchLease, webhookCursors } from './webhook-queries.js';
import { Group, type Pending } from './group.js';
import { EventFeed } from './event-feed.js';
import { Transaction } from './transaction.js';
import { listReservations, readHoldings } from './reservation-queries.js';

export interface PgBackendOptions {
  /** postgres://… */
  connectionString: string;
  /** Schema holding the tables (default "task_coordinator"); tests use one per file. */
  schema?: string;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Most attempts for a command whose transaction was rolled back by a conflict. */
  maxAttempts?: number;
  /** Groups of commands in flight at once (default 1: commands arriving meanwhile make the next group bigger, see take()). */
  maxGroups?: number;
  /** Most commands in one group (default 64). */
  maxGroupSize?: number;
}

// BIGINT columns hold epoch milliseconds and seqs: well inside Number's safe range.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text'),
};

/** SQLSTATEs after which the transaction was rolled back and running it again is safe. */
const RETRY_CODES = new Set(['40001', '40P01', '23505', '55P03']);
/** SQLSTATEs and socket errors that mean the connection (or the server) went away. */
const CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  const message = (error as Error | null)?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

export function mapPgError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const code = codeOf(error);
  if (isConnectionError(error))
    return new DomainError(
      'STORE_UNAVAILABLE',
      'the database is unreachable; retry shortly',
      { driverCode: code ?? null },
      { cause: error },
    );
  if (code && RETRY_CODES.has(code))
    return new DomainError(
      'STORE_BUSY',
      'the database is busy with conflicting changes; retry shortly',
      { driverCode: code },
      { cause: error },
    );
  if (code?.startsWith('53'))
    return new DomainError(
      'STORE_UNAVAILABLE',
      'the database is out of resources',
      { driverCode: code },
      { cause: error },
    );
  if (code?.startsWith('22'))
    return new DomainError('VALIDATION_FAILED', 'the database refused a value', { driverCode: code }, { cause: error });
  return new DomainError('INTERNAL', 'the database rejected a command', { driverCode: code ?? null }, { cause: error });
}

export class PgBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly maxAttempts: number;
  /** Delivers every replica's events in seq order (see event-feed.ts). */
  readonly eventFeed: EventFeed;
  readonly feed: { start(onEvents: (events: readonly TaskEvent[]) => void): void };
  /** What an operator should hear about this database at startup (the server logs each). */
  readonly notices: string[] = [];
  /** Commands committed, the groups they committed in, reruns after a failure, postponements: for benchmarks and metrics. */
  readonly stats = { commands: 0, groups: 0, retries: 0, postponed: 0 };
  private readonly maxGroups: number;
  private readonly maxGroupSize: number;
  private readonly queue: Pending[] = [];
  /** Projects whose last claim-next skipped file-blocked tasks: groups do not read ahead there (group.ts). */
  private readonly skipping = new Set<string>();
  private running = 0;
  private scheduled = false;
  /** Commands accepted and not yet answered; close() waits for them. */
  private outstanding = 0;
  private readonly idle: Array<() => void> = [];

  private constructor(options: PgBackendOptions, schema: string) {
    this.schema = schema;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.maxGroups = options.maxGroups ?? 1;
    this.maxGroupSize = options.maxGroupSize ?? 64;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: `-c search_path=${quoteIdent(schema)}`,
      // Names our connections in pg_stat_activity (operators, and tests that cut them).
      application_name: `task-coordinator:${schema}`,
      types,
      // Under load, commands queue for a connection; that is waiting, not failure.
      connectionTimeoutMillis: 30_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    // A checked-out client whose connection dies between two queries emits 'error' too; the query
    // in flight (or the next one) fails and the command is retried or reported.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.eventFeed = new EventFeed(
      this.pool,
      { connectionString: options.connectionString, types, application_name: `task-coordinator:${schema}` },
      `tc_${schema}`.slice(0, 63),
    );
    this.feed = this.eventFeed;
  }

  /** Connects, applies migrations under an advisory lock, and returns a ready backend. */
  static async open(options: PgBackendOptions): Promise<PgBackend> {
    const schema = options.schema ?? 'task_coordinator';
    quoteIdent(schema);
    const backend = new PgBackend(options, schema);
    let client: pg.PoolClient | undefined;
    try {
      client = await backend.pool.connect();
      await migrate(client, schema);
      const { rows } = await client.query<{ autovacuum: string }>(`SELECT current_setting('autovacuum') AS autovacuum`);
      if (rows[0]?.autovacuum !== 'on') {
        backend.notices.push(
          'autovacuum is off on this PostgreSQL server: nothing reclaims the rows claims update and retention deletes, and the planner gets no statistics; run VACUUM ANALYZE regularly or turn autovacuum on',
        );
      }
    } catch (error) {
      client?.release();
      client = undefined;
      await backend.pool.end().catch(() => undefined);
      const reason = error instanceof DomainError ? error.message : (error as Error).message;
      throw new DomainError('STORE_UNAVAILABLE', `cannot open PostgreSQL database: ${reason}`, undefined, {
        cause: error,
      });
    }
    client.release();
    try {
      await backend.eventFeed.open();
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw new DomainError(
        'STORE_UNAVAILABLE',
        `cannot open PostgreSQL database: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
    return backend;
  }

  execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }> {
    return new Promise((resolve, reject) => {
      this.outstanding++;
      const settle = () => {
        if (--this.outstanding === 0) for (const wake of this.idle.splice(0)) wake();
      };
      this.queue.push({
        program,
        clock,
        resolve: (value) => {
          settle();
          resolve(value as { result: R; events: TaskEvent[] });
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        solo: false,
        attempts: 1,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: commands issued in this turn of the event loop (and the callers a finished
    // group has just answered, who send their next command at once) join the same group.
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.maxGroups && this.queue.length) {
      const group = this.take();
      this.running++;
      void this.runGroup(group).finally(() => {
        this.running--;
        if (this.queue.length) this.schedule();
      });
    }
  }

  /**
   * The next group: a command that must run alone, or every command queued up to the next such
   * one. Not shared out over the groups that may start: each group has a fixed cost (measured: two
   * groups of 8 cost the database about 1.8x the CPU of one of 16), so a second group only forms
   * from commands that arrive while the first is in flight, or while it waits on a lock.
   */
  private take(): Pending[] {
    if ((this.queue[0] as Pending).solo) return [this.queue.shift() as Pending];
    let end = 1;
    while (end < this.queue.length && end < this.maxGroupSize && !(this.queue[end] as Pending).solo) end++;
    return this.queue.splice(0, end);
  }

  /** Postponed or rerun commands go first, in their order: nobody starves. */
  private requeue(pendings: readonly Pending[]): void {
    if (!pendings.length) return;
    this.queue.unshift(...pendings);
    this.schedule();
  }

  private async runGroup(pendings: Pending[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.failed(new Group(pendings), error, false);
      return;
    }
    const group = new Group(pendings, this.skipping);
    const tx = new Transaction(client);
    let writing = false;
    let events: TaskEvent[][];
    try {
      await group.run(tx);
      const changes = group.done().map((m) => (m.outcome as Outcome<unknown>).change);
      writing = true;
      this.eventFeed.committing();
      events = changes.some((c) => !isEmptyChange(c))
        ? await writeChanges(tx, changes, this.eventFeed.channel, true)
        : changes.map(() => []);
      await tx.commit();
    } catch (error) {
      // Decided by the statement's own error, not by how the ROLLBACK after it went: only a
      // connection lost once COMMIT was sent leaves the outcome unknown (a statement that failed
      // before aborted the transaction, and PostgreSQL skips a COMMIT sent after it).
      const lost = isConnectionError(error);
      let broken = lost;
      if (!lost) await tx.rollback().catch(() => (broken = true));
      client.release(broken || tx.unsure);
      if (writing) this.eventFeed.abandoned();
      this.failed(group, error, tx.commitSent && lost);
      return;
    }
    // Committed: nothing below may roll back or rerun the group. The connection goes back to the
    // pool first: the feed reads through the pool too, and every connection held while waiting for
    // it would starve it under load.
    client.release();
    const done = group.done();
    this.stats.groups++;
    this.stats.commands += done.length;
    await this.eventFeed.committed(events.flat());
    done.forEach((m, i) =>
      m.pending.resolve({ result: (m.outcome as Outcome<unknown>).result, events: events[i] as TaskEvent[] }),
    );
    for (const m of group.rejected()) m.pending.reject(mapPgError(m.error));
    this.postponed(group);
  }

  private postponed(group: Group): void {
    const later = group.postponed();
    this.stats.postponed += later.length;
    this.requeue(
      later.map((m) => {
        m.pending.solo ||= m.solo;
        return m.pending;
      }),
    );
  }

  /**
   * A group's transaction failed (rolled back, or lost while committing). A command alone is
   * retried when that is safe, with backoff; a larger group's commands each run again alone, so
   * the failure stays with the command that caused it. None is ever applied twice: a retry follows
   * a rollback, and a connection lost during COMMIT is reported, not retried.
   */
  private failed(group: Group, error: unknown, unknownOutcome: boolean): void {
    if (unknownOutcome) {
      const lost = new DomainError(
        'STORE_UNAVAILABLE',
        'the database connection dropped while committing: the change may or may not have been applied; read before retrying',
        undefined,
        {
          cause: error,
        },
      );
      for (const m of group.done()) m.pending.reject(lost);
      for (const m of group.rejected()) m.pending.reject(mapPgError(m.error));
      this.postponed(group);
      return;
    }
    const again = group.members.filter((m) => m.state !== 'postponed').map((m) => m.pending);
    if (group.members.length > 1) {
      this.stats.retries += again.length;
      this.postponed(group);
      this.requeue(again.map((p) => ({ ...p, solo: true })));
      return;
    }
    const pending = again[0] as Pending;
    const retryable = RETRY_CODES.has(codeOf(error) ?? '') || isConnectionError(error);
    if (!(retryable && pending.attempts < this.maxAttempts)) {
      pending.reject(mapPgError(error));
      return;
    }
    this.stats.retries++;
    pending.attempts++;
    // Back off with the connection returned to the pool; a lost connection waits longer.
    const wait = isConnectionError(error)
      ? Math.min(1000, 20 * 2 ** pending.attempts)
      : Math.random() * Math.min(200, 5 * 2 ** pending.attempts);
    setTimeout(() => this.requeue([pending]), wait);
  }

  private async read<T>(fn: (db: pg.Pool) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (error) {
      throw mapPgError(error);
    }
  }

  getTask(project: string, id: string): Promise<TaskWithDependents | null> {
    return this.read((db) => q.getTask(db, project, id));
  }

  reservations(project: string, worker: string | null, taskId: string | null): Promise<Reservation[]> {
    return this.read((db) => listReservations(db, project, worker, taskId));
  }

  async holdings(project: string): Promise<FileHolding[]> {
    return (await this.read((db) => readHoldings(db, [{ project, near: null }], false))).get(project) ?? [];
  }

  listTasks(query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }> {
    return this.read((db) => q.listTasks(db, query));
  }

  heldSlots(project: string): Promise<Slot[]> {
    return this.read((db) => q.heldSlots(db, project));
  }

  countByStatus(project: string): Promise<Partial<Record<TaskStatus, number>>> {
    return this.read((db) => q.countByStatus(db, project));
  }

  overview(): Promise<BackendOverview[]> {
    return this.read((db) => q.overview(db));
  }

  /** The settled end of the log (see event-feed.ts): every event up to it is visible. */
  async lastSeq(): Promise<number> {
    return this.eventFeed.settled;
  }

  history(project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
    return this.read((db) => q.history(db, project, taskId, limit));
  }

  /** Only settled events: a reader never sees seq 11 before seq 10 has committed. */
  async events(filter: EventFilter): Promise<TaskEvent[]> {
    const settled = this.eventFeed.settled;
    if (filter.afterSeq >= settled) return [];
    // Newest first starts at the newest settled event, so an uncommitted one never takes a place in the page.
    if (filter.descending) filter = { ...filter, beforeSeq: Math.min(filter.beforeSeq ?? Infinity, settled + 1) };
    const plain =
      !filter.descending &&
      filter.beforeSeq === null &&
      filter.taskId === null &&
      filter.workerId === null &&
      filter.types === null &&
      filter.since === null &&
      filter.until === null;
    const found = await this.read((db) =>
      plain ? q.events(db, filter.project, filter.afterSeq, filter.limit) : q.filteredEvents(db, filter),
    );
    return found.filter((e) => e.seq <= settled);
  }

  async importRecords(batch: ImportBatch): Promise<void> {
    await this.transaction(async (client) => {
      await importRecords(client, batch);
    });
    // Imported events are history, not news: the feed starts after them instead of delivering them.
    await this.eventFeed.skipTo(Math.max(0, ...batch.events.map((e) => e.seq)));
  }

  /** Runs `fn` in one transaction on a pooled connection (imports, retention). */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = isConnectionError(error);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw mapPgError(error);
    } finally {
      client.release(broken);
    }
  }

  /** A retention pass: one short transaction; claims never wait on it (task candidates are SKIP LOCKED). */
  async prune(
    events: { before: Instant; limit: number } | null,
    tasks: ((now: Instant) => Program<number>) | null,
    clock: () => Instant,
  ): Promise<PruneResult> {
    return this.transaction(async (client) => {
      await client.query(q.PRUNE_PLANS);
      const removed = events === null ? 0 : await q.pruneEvents(client, events.before, events.limit);
      if (tasks === null) return { events: removed, tasks: 0 };
      const { change } = await runAsync(tasks(clock()), (load) => {
        if (!q.isSoloLoad(load)) throw new Error(`retention asked an unexpected load: ${load.kind}`);
        return q.answerAlone(client, load);
      });
      // What the delete removed, which the re-check there may make fewer than the rule chose.
      return { events: removed, tasks: await deleteTasks(client, change.deleteTasks) };
    });
  }

  webhookCursors(): Promise<WebhookCursor[]> {
    return this.read((db) => webhookCursors(db));
  }

  saveWebhookCursor(webhook: string, seq: number, now: Instant): Promise<WebhookCursor> {
    return this.transaction((client) => advanceWebhookCursor(client, webhook, seq, now));
  }

  takeDispatchLease(owner: string, now: Instant, ttlMs: number, replacing: string | null): Promise<DispatchLease> {
    return this.transaction((client) => takeDispatchLease(client, owner, now, ttlMs, replacing));
  }

  async ping(): Promise<void> {
    await this.read((db) => db.query('SELECT 1'));
  }

  /** Answers every command accepted so far, then closes the feed and the pool. */
  async close(): Promise<void> {
    if (this.outstanding) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.eventFeed.close();
    await this.pool.end();
  }

  /** Drops the schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
  }
}
