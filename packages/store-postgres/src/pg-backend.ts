// The PostgreSQL backend: each command one READ COMMITTED transaction on a pooled connection, retried on
// the failures that roll it back for certain (serialization, deadlock, a lost race, a dropped
// connection before COMMIT). A connection lost *during* COMMIT leaves the outcome unknown: that is
// reported (STORE_UNAVAILABLE), never retried, so no command is ever applied twice.
import pg from 'pg';
import { DomainError, runAsync, type Backend, type BackendOverview, type EventFilter, type ImportBatch, type PruneResult, type Instant, type ListQuery, type Program, type Slot, type Task, type TaskDetail, type TaskEvent, type TaskStatus } from '@task-coordinator/core';
import { migrate, quoteIdent } from './migrations/index.js';
import * as q from './queries.js';
import { EventFeed } from './event-feed.js';

export interface PgBackendOptions {
  /** postgres://… */
  connectionString: string;
  /** Schema holding the tables (default "task_coordinator"); tests use one per file. */
  schema?: string;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Most attempts for a command whose transaction was rolled back by a conflict. */
  maxAttempts?: number;
}

// BIGINT columns hold epoch milliseconds and seqs: well inside Number's safe range.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text'),
};

/** SQLSTATEs after which the transaction was rolled back and running it again is safe. */
const RETRY_CODES = new Set(['40001', '40P01', '23505', '55P03']);
/** SQLSTATEs and socket errors that mean the connection (or the server) went away. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  const message = (error as Error | null)?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message);
}

export function mapPgError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const code = codeOf(error);
  if (isConnectionError(error)) return new DomainError('STORE_UNAVAILABLE', 'the database is unreachable; retry shortly', { driverCode: code ?? null }, { cause: error });
  if (code && RETRY_CODES.has(code)) return new DomainError('STORE_BUSY', 'the database is busy with conflicting changes; retry shortly', { driverCode: code }, { cause: error });
  if (code?.startsWith('53')) return new DomainError('STORE_UNAVAILABLE', 'the database is out of resources', { driverCode: code }, { cause: error });
  if (code?.startsWith('22')) return new DomainError('VALIDATION_FAILED', 'the database refused a value', { driverCode: code }, { cause: error });
  return new DomainError('INTERNAL', 'the database rejected a command', { driverCode: code ?? null }, { cause: error });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PgBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly maxAttempts: number;
  /** Delivers every replica's events in seq order (see event-feed.ts). */
  readonly eventFeed: EventFeed;
  readonly feed: { start(onEvents: (events: readonly TaskEvent[]) => void): void };
  /** Commands run, and attempts retried after a conflict: for benchmarks and metrics. */
  readonly stats = { commands: 0, retries: 0 };

  private constructor(options: PgBackendOptions, schema: string) {
    this.schema = schema;
    this.maxAttempts = options.maxAttempts ?? 8;
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
    this.eventFeed = new EventFeed(this.pool, { connectionString: options.connectionString, types, application_name: `task-coordinator:${schema}` }, `tc_${schema}`.slice(0, 63));
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
    } catch (error) {
      client?.release();
      client = undefined;
      await backend.pool.end().catch(() => undefined);
      const reason = error instanceof DomainError ? error.message : (error as Error).message;
      throw new DomainError('STORE_UNAVAILABLE', `cannot open PostgreSQL database: ${reason}`, undefined, { cause: error });
    }
    client.release();
    try {
      await backend.eventFeed.open();
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw new DomainError('STORE_UNAVAILABLE', `cannot open PostgreSQL database: ${(error as Error).message}`, undefined, { cause: error });
    }
    return backend;
  }

  async execute<R>(program: (now: Instant) => Program<R>, clock: () => Instant): Promise<{ result: R; events: TaskEvent[] }> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        if (attempt < this.maxAttempts && isConnectionError(error)) {
          this.stats.retries++;
          await pause(Math.min(1000, 20 * 2 ** attempt));
          continue;
        }
        throw mapPgError(error);
      }
      let committing = false;
      let broken = false;
      let released = false;
      try {
        await client.query('BEGIN');
        const { result, change } = await runAsync(program(clock()), (load) => q.answer(client, load));
        const events = await q.persist(client, change, this.eventFeed.channel);
        committing = true;
        await client.query('COMMIT');
        this.stats.commands++;
        // The connection goes back to the pool first: the feed reads through the pool too, and
        // every connection held while waiting for it would starve it under load.
        client.release();
        released = true;
        await this.eventFeed.committed(events);
        return { result, events };
      } catch (error) {
        broken = isConnectionError(error);
        if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
        if (error instanceof DomainError) throw error;
        if (committing && broken) {
          throw new DomainError('STORE_UNAVAILABLE', 'the database connection dropped while committing: the change may or may not have been applied; read before retrying', undefined, {
            cause: error,
          });
        }
        const retryable = error instanceof q.VersionConflict || RETRY_CODES.has(codeOf(error) ?? '') || broken;
        if (!(retryable && attempt < this.maxAttempts)) throw mapPgError(error);
        this.stats.retries++;
      } finally {
        if (!released) client.release(broken);
        released = true;
      }
      // Back off with the connection returned to the pool.
      await pause(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }

  private async read<T>(fn: (db: pg.Pool) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (error) {
      throw mapPgError(error);
    }
  }

  getTask(project: string, id: string): Promise<TaskDetail | null> {
    return this.read((db) => q.getTask(db, project, id));
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
    const plain = filter.taskId === null && filter.workerId === null && filter.types === null && filter.since === null && filter.until === null;
    const found = await this.read((db) => (plain ? q.events(db, filter.project, filter.afterSeq, filter.limit) : q.filteredEvents(db, filter)));
    return found.filter((e) => e.seq <= settled);
  }

  async importRecords(batch: ImportBatch): Promise<void> {
    await this.transaction(async (client) => {
      await q.importRecords(client, batch);
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
  async prune(eventsBefore: Instant | null, tasksBefore: Instant | null, limit: number): Promise<PruneResult> {
    return this.transaction(async (client) => ({
      events: eventsBefore === null ? 0 : await q.pruneEvents(client, eventsBefore, limit),
      tasks: tasksBefore === null ? 0 : await q.pruneTasks(client, tasksBefore, limit),
    }));
  }

  async ping(): Promise<void> {
    await this.read((db) => db.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.eventFeed.close();
    await this.pool.end();
  }

  /** Drops the schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
  }
}
