// The PostgreSQL store's reads, the loads only a command running alone asks, and the shared SQL helpers.
// The loads and writes of commands run in groups are in batch-loads.ts and batch-writes.ts.
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { Transaction } from './transaction.js';
import {
  ACTIVE_STATUSES_SQL,
  statusListSql,
  type BackendOverview,
  type EventFilter,
  type ListQuery,
  type Load,
  type Slot,
  type Task,
  type TaskWithDependents,
  type TaskEvent,
  type TaskStatus,
} from '@task-coordinator/core';
import {
  eventFromRow,
  overviewFromRows,
  slotFromRow,
  taskFromRow,
  type EventRow as CoreEventRow,
  type SlotRow as CoreSlotRow,
  type TaskRow as CoreTaskRow,
} from '@task-coordinator/core/rows';

/** Where statements run: the pool (reads), a pooled connection, or a group's transaction. */
export type Db = Pick<PoolClient, 'query'> | Transaction;

/** A statement with its values, on whichever kind of Db. */
export function send<R extends QueryResultRow>(db: Db, sql: string, params?: unknown[]): Promise<QueryResult<R>> {
  // Two calls that read alike: TypeScript cannot call a method on the union, only on each side.
  return db instanceof Transaction ? db.query<R>(sql, params) : db.query<R>(sql, params);
}

export type TaskRow = CoreTaskRow & QueryResultRow;
export type SlotRow = CoreSlotRow & QueryResultRow;
type EventRow = CoreEventRow & QueryResultRow;

export const COLUMNS = `t.ord, t.project, t.id, t.description, t.status, t.priority, t.labels, t.deadline, t.output, t.error, t.worker,
  t.slot, t.attempts, t.max_attempts, t.lease_expires_at, t.created_at, t.started_at, t.completed_at, t.updated_at, t.version,
  t.review, t.progress, t.question, t.answer, t.notes, t.files,
  ARRAY(SELECT d.depends_on FROM task_dependencies d WHERE d.project = t.project AND d.task_id = t.id ORDER BY d.depends_on) AS deps`;
export const HELD = `t.status IN (${ACTIVE_STATUSES_SQL})`;

const toTask = taskFromRow;
const toSlot = slotFromRow;
export const toEvent = eventFromRow;

async function rows<R extends QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<R[]> {
  return (await send<R>(db, sql, params)).rows;
}

/**
 * A prepared statement, named by a hash of its text: parsed and planned once per connection
 * instead of on every call (measured: the hot path's statements were CPU-bound on planning).
 */
const names = new Map<string, string>();
function named(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    let h = 0;
    for (let i = 0; i < sql.length; i++) h = (Math.imul(h, 31) + sql.charCodeAt(i)) | 0;
    name = `tc_${(h >>> 0).toString(36)}_${names.size}`;
    names.set(sql, name);
  }
  return name;
}

export async function prepared<R extends QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<R[]> {
  if (db instanceof Transaction) return db.execute<R>(sql, params);
  return (await db.query<R>({ name: named(sql), text: sql, values: params })).rows;
}

/** The loads no batch answers: a command asking one runs in a group of its own (see group.ts). */
export type SoloLoad = Extract<
  Load,
  { kind: 'heldSlotNumbers' | 'expiredTasks' | 'expiredSlots' | 'countTasks' | 'prunableTasks' }
>;

export function isSoloLoad(load: Load): load is SoloLoad {
  return (
    load.kind === 'heldSlotNumbers' ||
    load.kind === 'expiredTasks' ||
    load.kind === 'expiredSlots' ||
    load.kind === 'countTasks' ||
    load.kind === 'prunableTasks'
  );
}

/** Answers a load of a command that runs alone, inside its transaction. */
export async function answerAlone(db: Db, load: SoloLoad): Promise<unknown> {
  switch (load.kind) {
    case 'heldSlotNumbers':
      // Asked only when a worker takes a new slot: takers of one project queue here (until commit)
      // instead of all picking the same lowest free slot and retrying on the key.
      await send(
        db,
        `SELECT pg_advisory_xact_lock(hashtext('task-coordinator slots ' || current_schema() || ' ' || $1))`,
        [load.project],
      );
      return (
        await prepared<{ slot: number }>(db, `SELECT slot FROM slots WHERE project = $1 ORDER BY slot`, [load.project])
      ).map((r) => r.slot);
    case 'expiredTasks':
      return (
        await prepared<TaskRow>(
          db,
          `SELECT ${COLUMNS} FROM tasks t WHERE ${HELD} AND t.lease_expires_at <= $1 ORDER BY t.lease_expires_at, t.ord LIMIT $2 FOR UPDATE OF t SKIP LOCKED`,
          [load.now, load.limit],
        )
      ).map(toTask);
    case 'expiredSlots':
      return (
        await prepared<SlotRow>(
          db,
          `SELECT * FROM slots WHERE lease_expires_at <= $1 ORDER BY lease_expires_at, project, slot LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [load.now, load.limit],
        )
      ).map(toSlot);
    case 'countTasks':
      return (
        (
          await prepared<{ n: number }>(db, `SELECT count(*)::int AS n FROM tasks WHERE project = $1`, [load.project])
        )[0]?.n ?? 0
      );
    case 'prunableTasks':
      // The rule's statuses as literals, so the planner matches tasks_finished's WHERE. The candidates
      // are locked (SKIP LOCKED: a task a command holds waits for a later pass); the delete re-checks
      // for dependents in a fresh snapshot (deleteTasks in batch-writes.ts).
      // Unnamed, so it is planned under the pass's PRUNE_PLANS each time.
      return (
        await rows<TaskRow>(
          db,
          `SELECT ${COLUMNS} FROM tasks t
           WHERE t.status IN (${statusListSql(load.statuses)}) AND t.updated_at < $1
             AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.project = t.project AND d.depends_on = t.id)
           ORDER BY t.updated_at, t.ord LIMIT $2 FOR UPDATE OF t SKIP LOCKED`,
          [load.before, load.limit],
        )
      ).map(toTask);
  }
}

export async function getTask(db: Db, project: string, id: string): Promise<TaskWithDependents | null> {
  const [row] = await rows<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE t.project = $1 AND t.id = $2`, [
    project,
    id,
  ]);
  if (!row) return null;
  const dependents = await rows<{ task_id: string }>(
    db,
    'SELECT task_id FROM task_dependencies WHERE project = $1 AND depends_on = $2 ORDER BY task_id',
    [project, id],
  );
  return { ...toTask(row), dependents: dependents.map((r) => r.task_id) };
}

export async function listTasks(db: Db, query: ListQuery): Promise<{ tasks: Task[]; lastOrd: number | null }> {
  const params: unknown[] = [query.project];
  const where = ['t.project = $1'];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(clause(params.length));
  };
  if (query.afterOrd !== null) add((n) => `t.ord > $${n}`, query.afterOrd);
  if (query.statuses) add((n) => `t.status = ANY($${n}::text[])`, query.statuses);
  if (query.label !== null) add((n) => `t.labels ? $${n}`, query.label);
  if (query.worker !== null) add((n) => `t.worker = $${n}`, query.worker);
  if (query.text !== null)
    add(
      (n) => `(position(lower($${n}) in lower(t.id)) > 0 OR position(lower($${n}) in lower(t.description)) > 0)`,
      query.text,
    );
  params.push(query.limit + 1);
  const found = await rows<TaskRow>(
    db,
    `SELECT ${COLUMNS} FROM tasks t WHERE ${where.join(' AND ')} ORDER BY t.ord LIMIT $${params.length}`,
    params,
  );
  const more = found.length > query.limit;
  const page = found.slice(0, query.limit);
  return { tasks: page.map(toTask), lastOrd: more ? (page[page.length - 1] as TaskRow).ord : null };
}

export async function heldSlots(db: Db, project: string): Promise<Slot[]> {
  return (await rows<SlotRow>(db, 'SELECT * FROM slots WHERE project = $1 ORDER BY slot', [project])).map(toSlot);
}

export async function countByStatus(db: Db, project: string): Promise<Partial<Record<TaskStatus, number>>> {
  const found = await rows<{ status: TaskStatus; n: number }>(
    db,
    'SELECT status, count(*)::int AS n FROM tasks WHERE project = $1 GROUP BY status',
    [project],
  );
  return Object.fromEntries(found.map((r) => [r.status, r.n]));
}

export async function overview(db: Db): Promise<BackendOverview[]> {
  const [counts, slots] = await Promise.all([
    rows<{ project: string; status: TaskStatus; n: number }>(
      db,
      'SELECT project, status, count(*)::int AS n FROM tasks GROUP BY project, status',
      [],
    ),
    rows<{ project: string; held: number; busy: number }>(
      db,
      'SELECT project, count(*)::int AS held, count(task_id)::int AS busy FROM slots GROUP BY project',
      [],
    ),
  ]);
  return overviewFromRows(counts, slots);
}

/** Retention, events: the oldest first, never the newest (the log's end stays readable). */
export async function pruneEvents(db: Db, before: number, limit: number): Promise<number> {
  const result = await send(
    db,
    `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < $1 AND seq < (SELECT max(seq) FROM events) ORDER BY seq LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount ?? 0;
}

/**
 * The plan every retention statement wants, set for its transaction only: walk an index in order
 * (the oldest events by seq, the oldest finished tasks by `tasks_finished`), probe dependents by
 * index, stop at the batch. Without statistics (a young board, or autovacuum off) the planner
 * instead read every finished task and sorted them, so a pass grew with the board (measured on
 * 44,000 finished tasks: 50–80 ms a pass of 500 events and 500 tasks; 10–16 ms with these).
 */
export const PRUNE_PLANS =
  'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';

export async function lastSeq(db: Db): Promise<number> {
  return (await rows<{ seq: number | null }>(db, 'SELECT max(seq) AS seq FROM events', []))[0]?.seq ?? 0;
}

export async function history(db: Db, project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
  return (
    await rows<EventRow>(db, 'SELECT * FROM events WHERE project = $1 AND task_id = $2 ORDER BY seq LIMIT $3', [
      project,
      taskId,
      limit,
    ])
  ).map(toEvent);
}

/** The audit query: every filter given, in seq order. */
export async function filteredEvents(db: Db, filter: EventFilter): Promise<TaskEvent[]> {
  const params: unknown[] = [filter.afterSeq];
  const where = ['seq > $1'];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(clause(params.length));
  };
  if (filter.beforeSeq !== null) add((n) => `seq < $${n}`, filter.beforeSeq);
  if (filter.project !== null) add((n) => `project = $${n}`, filter.project);
  if (filter.taskId !== null) add((n) => `task_id = $${n}`, filter.taskId);
  if (filter.workerId !== null) add((n) => `worker_id = $${n}`, filter.workerId);
  if (filter.types !== null) add((n) => `type = ANY($${n}::text[])`, filter.types);
  if (filter.since !== null) add((n) => `at >= $${n}`, filter.since);
  if (filter.until !== null) add((n) => `at < $${n}`, filter.until);
  params.push(filter.limit);
  return (
    await rows<EventRow>(
      db,
      `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq${filter.descending ? ' DESC' : ''} LIMIT $${params.length}`,
      params,
    )
  ).map(toEvent);
}

export async function events(db: Db, project: string | null, afterSeq: number, limit: number): Promise<TaskEvent[]> {
  const found =
    project === null
      ? await prepared<EventRow>(db, 'SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
      : await prepared<EventRow>(db, 'SELECT * FROM events WHERE project = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
          project,
          afterSeq,
          limit,
        ]);
  return found.map(toEvent);
}
