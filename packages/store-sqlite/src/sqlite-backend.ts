// The SQLite backend: commands group-committed in BEGIN IMMEDIATE transactions, one fsync per group.
//
// Durability costs one fsync per commit (synchronous=FULL): about 8,800 commits/s on the 2-core
// reference machine, i.e. ~4,400 claim→complete cycles/s if each command committed alone. So
// commands that arrive while a commit is in flight are queued and committed together (a rejected
// command writes nothing, see commitGroup), one COMMIT makes the whole group durable, and only then
// are their promises resolved. Nothing is acknowledged before its fsync.
import Database from 'better-sqlite3';
import { DomainError, runSync, type Backend, type BackendOverview, type EventFilter, type ImportBatch, type PruneResult, type Instant, type ListQuery, type Program, type Slot, type Task, type TaskDetail, type TaskEvent, type TaskStatus } from '@task-coordinator/core';
import { migrate } from './migrations/index.js';
import { prepareQueries, type Queries } from './queries.js';
import { mapSqliteError } from './sqlite-errors.js';

export interface SqliteBackendOptions {
  /** Path of the database file (created when missing). */
  file: string;
  /** FULL (default): a commit survives power loss. NORMAL: survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a command waits for another process's write lock before STORE_BUSY. */
  busyTimeoutMs?: number;
  /** Most commands committed together; bounds the latency one group adds. */
  maxGroupSize?: number;
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
  private readonly maxGroupSize: number;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly drained: Array<() => void> = [];
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
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
      if (mode !== 'wal') throw new DomainError('STORE_UNAVAILABLE', `cannot switch ${options.file} to WAL mode (got ${String(mode)})`);
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.pragma('foreign_keys = OFF');
      db.pragma('cache_size = -32000');
      // lower() in SQLite folds ASCII only; the search must match the other stores on any text.
      db.function('tc_lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
      migrate(db);
    } catch (error) {
      db?.close();
      const mapped = mapSqliteError(error);
      throw mapped.code === 'INTERNAL' || mapped.code === 'STORE_UNAVAILABLE'
        ? new DomainError('STORE_UNAVAILABLE', `cannot open SQLite database ${options.file}: ${(error as Error).message}`, { file: options.file }, { cause: error })
        : mapped;
    }
    this.db = db;
    this.q = prepareQueries(db);
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }> {
    if (this.closed) return Promise.reject(new DomainError('STORE_UNAVAILABLE', 'the store is closed'));
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
    const group = this.queue.splice(0, this.maxGroupSize);
    if (this.queue.length) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (group.length) this.commitGroup(group);
    if (!this.scheduled) for (const done of this.drained.splice(0)) done();
  }

  /**
   * Runs a group in one transaction. Rules write nothing until they return (persist comes after),
   * so a command a rule rejects needs no rollback. Only a failed write (a bug, a full disk) spoils
   * the transaction: then it is rolled back whole and each command runs again on its own, so the
   * failure stays with the command that caused it.
   */
  private commitGroup(group: Pending[]): void {
    try {
      this.begin.run();
    } catch (error) {
      const mapped = mapSqliteError(error);
      for (const op of group) op.reject(mapped);
      return;
    }
    const outcomes: Array<{ ok: true; value: { result: unknown; events: TaskEvent[] } } | { ok: false; error: unknown }> = [];
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
    group.forEach((op, i) => {
      const outcome = outcomes[i] as (typeof outcomes)[number];
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
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

  getTask(project: string, id: string): Promise<TaskDetail | null> {
    return this.read(() => this.q.getTask(project, id));
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
    return this.read(() => this.q.lastSeq());
  }

  history(project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
    return this.read(() => this.q.history(project, taskId, limit));
  }

  events(filter: EventFilter): Promise<TaskEvent[]> {
    return this.read(() => this.q.events(filter));
  }

  importRecords(batch: ImportBatch): Promise<void> {
    return this.read(() => this.inTransaction(() => this.q.importRecords(batch)));
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
  prune(eventsBefore: Instant | null, tasksBefore: Instant | null, limit: number): Promise<PruneResult> {
    return this.read(() => this.inTransaction(() => this.q.prune(eventsBefore, tasksBefore, limit)));
  }

  ping(): Promise<void> {
    return this.read(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  /** Runs the integrity check; "ok" when the file is sound. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Commits what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.scheduled) await new Promise<void>((resolve) => this.drained.push(resolve));
    this.closed = true;
    try {
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }
}
