// A group's transaction, in as few round trips as its statements allow.
//
// Why: a group's round trips are its commands' latency, and each costs both processes a write, a
// wake-up and a read (measured on the 2-core reference machine: 0.15 ms of Node CPU for a bare
// SELECT 1, a third of Node's busy time on the hot path; on a loaded machine each wake-up also
// waits for a core). So the statements asked in one turn of the event loop (a round's loads, one
// per kind, see batch-loads.ts) travel as one simple-protocol query of several statements, BEGIN
// travels with the group's first, and COMMIT with its last: a round of claims and completes pays
// one round trip, and a group of them three.
//
// The statements stay prepared: each is PREPAREd once per connection (under its own name, apart
// from the driver's protocol-level ones), in the query that first runs it, and run as EXECUTE with
// its values as SQL literals. After an error, PostgreSQL skips the rest of such a query, so a
// COMMIT sent with a failing statement never runs: the transaction is aborted and rolled back,
// exactly as when sent apart.
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';

/** Statements PREPAREd on each connection, by SQL-level name. */
const preparedOn = new WeakMap<PoolClient, Set<string>>();

/** SQL-level statement names, by text (distinct from the driver's protocol-level names). */
const names = new Map<string, string>();

function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `tcx_${names.size}`));
  return name;
}

/** A value as an SQL literal: what the driver would send as a parameter, written into the text. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot send ${value} to PostgreSQL`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return quote(arrayText(value));
  throw new TypeError(`cannot send a ${typeof value} as a statement value`);
}

/**
 * A string literal: quotes doubled and, when there are backslashes, an E'' literal with them
 * doubled too, so it reads the same whatever standard_conforming_strings says. (What the driver's
 * escapeLiteral does, with native replaces: its loop over characters cost more CPU than the
 * round trip it saves on a group's 10 kB of JSON.)
 */
function quote(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** A one-dimensional array in PostgreSQL's text form: {"a","b",NULL}. */
function arrayText(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`cannot send a ${typeof v} in an array`);
    return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

interface Queued {
  /** The statement's SQL-level name. */
  name: string;
  statement: string;
  /** PREPARE to send first: the statement is new to this connection. */
  prepare: string | null;
  resolve: (rows: QueryResultRow[]) => void;
  reject: (error: unknown) => void;
}

export class Transaction {
  private state: 'idle' | 'open' | 'ended' = 'idle';
  /** Whether a COMMIT was sent: a connection lost after that leaves the outcome unknown. */
  commitSent = false;
  /**
   * Whether this connection's prepared statements are no longer known for certain (a failed
   * query carried a PREPARE, which may or may not have run): the caller should not pool it again.
   */
  unsure = false;
  /** Statements asked in this turn of the event loop, sent together as one query (see flush()). */
  private queued: Queued[] = [];
  private commitQueued = false;

  constructor(readonly client: PoolClient) {}

  /**
   * Runs a prepared statement (with BEGIN, when it is the transaction's first). Statements asked
   * in the same turn (a group's loads of one round, see batch-loads.ts) travel as one query, in
   * the order asked: one round trip for the round.
   */
  execute<R extends QueryResultRow>(sql: string, params: readonly unknown[]): Promise<R[]> {
    if (this.state === 'ended') return Promise.reject(new Error('the transaction has ended'));
    const name = nameOf(sql);
    let statement: string;
    try {
      statement = `EXECUTE ${name}(${params.map(literal).join(', ')})`;
    } catch (error) {
      return Promise.reject(error);
    }
    const prepare =
      this.known().has(name) || this.queued.some((q) => q.name === name && q.prepare !== null)
        ? null
        : `PREPARE ${name} AS ${sql}`;
    return new Promise<R[]>((resolve, reject) => {
      if (!this.queued.length) queueMicrotask(() => this.flush());
      this.queued.push({ name, statement, prepare, resolve: resolve as (rows: QueryResultRow[]) => void, reject });
    });
  }

  /** Runs a prepared statement and COMMIT in one round trip (the transaction's last statement). */
  executeAndCommit<R extends QueryResultRow>(sql: string, params: readonly unknown[]): Promise<R[]> {
    const rows = this.execute<R>(sql, params);
    this.commitQueued = true;
    return rows;
  }

  /** A statement the driver sends itself (unprepared ones: bulk inserts, locks), after any queued. */
  async query<R extends QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    if (this.state === 'ended') throw new Error('the transaction has ended');
    this.flush();
    if (this.state === 'idle') {
      this.state = 'open';
      await this.client.query('BEGIN');
    }
    // The driver runs a connection's queries in the order asked: this one follows those flushed.
    return this.client.query<R>(sql, params);
  }

  /** Commits, unless the last statement already did (or nothing was ever sent). */
  async commit(): Promise<void> {
    this.flush();
    const open = this.state === 'open';
    this.state = 'ended';
    if (!open) return;
    this.commitSent = true;
    await this.client.query('COMMIT');
  }

  /** Rolls back whatever was begun. */
  async rollback(): Promise<void> {
    this.flush();
    const begun = this.state !== 'idle';
    this.state = 'ended';
    if (begun) await this.client.query('ROLLBACK');
  }

  private known(): Set<string> {
    let known = preparedOn.get(this.client);
    if (!known) preparedOn.set(this.client, (known = new Set()));
    return known;
  }

  /**
   * Sends the queued statements as one simple-protocol query: BEGIN first when the transaction is
   * new, each new statement's PREPARE before its first EXECUTE, COMMIT last when asked. After an
   * error PostgreSQL skips the rest, so every statement of the query fails with it.
   */
  private flush(): void {
    const batch = this.queued;
    if (!batch.length) return;
    this.queued = [];
    const parts: string[] = [];
    const begin = this.state === 'idle';
    if (begin) parts.push('BEGIN');
    const at: number[] = [];
    const prepares: string[] = [];
    for (const q of batch) {
      if (q.prepare !== null) {
        parts.push(q.prepare);
        prepares.push(q.name);
      }
      at.push(parts.length);
      parts.push(q.statement);
    }
    const commit = this.commitQueued;
    this.commitQueued = false;
    if (commit) {
      parts.push('COMMIT');
      this.state = 'ended';
      this.commitSent = true;
    } else this.state = 'open';
    const known = this.known();
    this.client.query(parts.join('; ')).then(
      (results: QueryResult | QueryResult[]) => {
        for (const name of prepares) known.add(name);
        const list = Array.isArray(results) ? results : [results];
        batch.forEach((q, i) => {
          const result = list[at[i] as number];
          if (result) q.resolve(result.rows);
          else q.reject(new Error(`expected ${parts.length} results, got ${list.length}`));
        });
      },
      (error: unknown) => {
        if (prepares.length) this.unsure = true;
        for (const q of batch) q.reject(error);
      },
    );
  }
}
