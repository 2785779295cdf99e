// Every SQL statement of the PostgreSQL store: Load answers (with the row locks each needs), writes, reads.
//
// Locks, because here commands run concurrently: rows a rule may change are read FOR UPDATE; the
// claim-next and sweeper reads skip rows another transaction holds (SKIP LOCKED), so claimers never
// queue behind each other; dependency statuses are read FOR SHARE, so "add a task after X" and
// "complete X" cannot both miss each other (one waits for the other and then sees it).
import type { PoolClient, QueryResultRow } from 'pg';
import {
  eventFromRow,
  NO_DEADLINE_KEY,
  overviewFromRows,
  emptyChange,
  type ImportBatch,
  type BackendOverview,
  type EventFilter,
  slotFromRow,
  taskFromRow,
  type Change,
  type EventRow as CoreEventRow,
  type ListQuery,
  type Load,
  type Slot,
  type SlotRow as CoreSlotRow,
  type Task,
  type TaskDetail,
  type TaskEvent,
  type TaskRow as CoreTaskRow,
  type TaskStatus,
} from '@task-coordinator/core';

type Db = Pick<PoolClient, 'query'>;

type TaskRow = CoreTaskRow & QueryResultRow;
type SlotRow = CoreSlotRow & QueryResultRow;
type EventRow = CoreEventRow & QueryResultRow;

const COLUMNS = `t.ord, t.project, t.id, t.description, t.status, t.priority, t.labels, t.deadline, t.output, t.error, t.worker,
  t.slot, t.attempts, t.max_attempts, t.lease_expires_at, t.created_at, t.started_at, t.completed_at, t.updated_at, t.version,
  ARRAY(SELECT d.depends_on FROM task_dependencies d WHERE d.project = t.project AND d.task_id = t.id ORDER BY d.depends_on) AS deps`;
const HELD = `t.status IN ('claimed','working')`;

const toTask = taskFromRow;
const toSlot = slotFromRow;
export const toEvent = eventFromRow;

async function rows<R extends QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<R[]> {
  return (await db.query<R>(sql, params)).rows;
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

async function prepared<R extends QueryResultRow>(db: Db, sql: string, params: unknown[]): Promise<R[]> {
  return (await db.query<R>({ name: named(sql), text: sql, values: params })).rows;
}

/** Answers one Load of a rule, inside the command's transaction. */
export async function answer(db: Db, load: Load): Promise<unknown> {
  switch (load.kind) {
    case 'tasks':
      if (!load.ids.length) return [];
      return (await prepared<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE t.project = $1 AND t.id = ANY($2::text[]) ORDER BY t.id FOR UPDATE OF t`, [load.project, load.ids])).map(toTask);
    case 'statuses': {
      if (!load.ids.length) return new Map();
      const sql = `SELECT id, status FROM tasks WHERE project = $1 AND id = ANY($2::text[]) ORDER BY id${load.hold ? ' FOR SHARE' : ''}`;
      return new Map((await prepared<{ id: string; status: TaskStatus }>(db, sql, [load.project, load.ids])).map((r) => [r.id, r.status] as const));
    }
    case 'dependents':
      return (
        await prepared<TaskRow>(
          db,
          `SELECT ${COLUMNS} FROM task_dependencies e JOIN tasks t ON t.project = e.project AND t.id = e.task_id
           WHERE e.project = $1 AND e.depends_on = $2 AND ($3::text IS NULL OR t.status = $3) ORDER BY t.id FOR UPDATE OF t`,
          [load.project, load.id, load.status],
        )
      ).map(toTask);
    case 'nextAvailable': {
      // SKIP LOCKED lets claimers pass each other. But a row is also locked by commands that end
      // up not changing it (a claim refused for want of a slot, a no-op edit): "nothing found"
      // must mean no available task, so when available rows exist, wait on the first one instead.
      const labels = load.labels;
      const where = `t.project = $1 AND t.status = 'available'${labels ? ' AND t.labels ?| $2::text[]' : ''}`;
      const params = labels ? [load.project, labels] : [load.project];
      const order = 'ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT 1';
      for (let attempt = 0; attempt < 5; attempt++) {
        const [row] = await prepared<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE ${where} ${order} FOR UPDATE OF t SKIP LOCKED`, params);
        if (row) return toTask(row);
        const [waited] = await prepared<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE ${where} ${order} FOR UPDATE OF t`, params);
        if (waited) return toTask(waited);
        const [any] = await prepared<{ one: number }>(db, `SELECT 1 AS one FROM tasks t WHERE ${where} LIMIT 1`, params);
        if (!any) return null;
      }
      return null;
    }
    case 'workerTasks':
      return (await prepared<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE t.project = $1 AND t.worker = $2 AND ${HELD} ORDER BY t.ord FOR UPDATE OF t`, [load.project, load.worker])).map(
        toTask,
      );
    case 'slot': {
      const [row] = await prepared<SlotRow>(db, `SELECT * FROM slots WHERE project = $1 AND slot = $2 FOR UPDATE`, [load.project, load.slot]);
      return row ? toSlot(row) : null;
    }
    case 'workerSlots':
      return (await prepared<SlotRow>(db, `SELECT * FROM slots WHERE project = $1 AND worker = $2 ORDER BY slot FOR UPDATE`, [load.project, load.worker])).map(toSlot);
    case 'heldSlotNumbers':
      // Asked only when a worker takes a new slot: takers of one project queue here (until commit)
      // instead of all picking the same lowest free slot and retrying on the key.
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('task-coordinator slots ' || current_schema() || ' ' || $1))`, [load.project]);
      return (await prepared<{ slot: number }>(db, `SELECT slot FROM slots WHERE project = $1 ORDER BY slot`, [load.project])).map((r) => r.slot);
    case 'expiredTasks':
      return (
        await prepared<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE ${HELD} AND t.lease_expires_at <= $1 ORDER BY t.lease_expires_at, t.ord LIMIT $2 FOR UPDATE OF t SKIP LOCKED`, [
          load.now,
          load.limit,
        ])
      ).map(toTask);
    case 'expiredSlots':
      return (
        await prepared<SlotRow>(db, `SELECT * FROM slots WHERE lease_expires_at <= $1 ORDER BY lease_expires_at, project, slot LIMIT $2 FOR UPDATE SKIP LOCKED`, [load.now, load.limit])
      ).map(toSlot);
    case 'countTasks':
      return (await prepared<{ n: number }>(db, `SELECT count(*)::int AS n FROM tasks WHERE project = $1`, [load.project]))[0]?.n ?? 0;
  }
}

/** Thrown when an update found a different version: another transaction changed the row; retry. */
export class VersionConflict extends Error {
  override readonly name = 'VersionConflict';
}

/** Writes a rule's Change; returns the committed events with their seq. */
export async function persist(db: Db, change: Change, channel: string): Promise<TaskEvent[]> {
  if (change.deleteProject !== null) {
    // Clean-all waits for every command that has read tasks to finish, and holds new ones off,
    // so no add can slip in between its checks and its insert and leave a task (or an edge) behind.
    await db.query('LOCK TABLE tasks, task_dependencies IN EXCLUSIVE MODE');
    await db.query('DELETE FROM task_dependencies WHERE project = $1', [change.deleteProject]);
    await db.query('DELETE FROM tasks WHERE project = $1', [change.deleteProject]);
  }
  if (change.insertTasks.length) {
    const t = change.insertTasks;
    // One statement for a whole batch (a 1,000-task add is one round trip, not a thousand).
    await db.query(
      `INSERT INTO tasks (project, id, description, status, priority, labels, deadline, deadline_key, output, error, worker, slot,
         attempts, max_attempts, lease_expires_at, created_at, started_at, completed_at, updated_at, version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[], $7::bigint[], $8::bigint[],
         $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::int[], $15::bigint[], $16::bigint[], $17::bigint[],
         $18::bigint[], $19::bigint[], $20::int[])`,
      [
        t.map((x) => x.project),
        t.map((x) => x.id),
        t.map((x) => x.description),
        t.map((x) => x.status),
        t.map((x) => x.priority),
        t.map((x) => JSON.stringify(x.labels)),
        t.map((x) => x.deadline),
        t.map((x) => x.deadline ?? NO_DEADLINE_KEY),
        t.map((x) => x.output),
        t.map((x) => x.error),
        t.map((x) => x.worker),
        t.map((x) => x.slot),
        t.map((x) => x.attempts),
        t.map((x) => x.maxAttempts),
        t.map((x) => x.leaseExpiresAt),
        t.map((x) => x.createdAt),
        t.map((x) => x.startedAt),
        t.map((x) => x.completedAt),
        t.map((x) => x.updatedAt),
        t.map((x) => x.version),
      ],
    );
    const edges = t.flatMap((x) => x.dependencies.map((dep) => [x.project, x.id, dep] as const));
    if (edges.length) {
      await db.query('INSERT INTO task_dependencies (project, task_id, depends_on) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
        edges.map((e) => e[0]),
        edges.map((e) => e[1]),
        edges.map((e) => e[2]),
      ]);
    }
  }
  for (const x of change.updateTasks) {
    const result = await db.query({
      name: 'tc_update_task',
      text: `UPDATE tasks SET description = $3, status = $4, priority = $5, labels = $6::jsonb, deadline = $7, deadline_key = $8, output = $9,
         error = $10, worker = $11, slot = $12, attempts = $13, max_attempts = $14, lease_expires_at = $15, started_at = $16,
         completed_at = $17, updated_at = $18, version = $19
       WHERE project = $1 AND id = $2 AND version = $19 - 1`,
      values: [
        x.project,
        x.id,
        x.description,
        x.status,
        x.priority,
        JSON.stringify(x.labels),
        x.deadline,
        x.deadline ?? NO_DEADLINE_KEY,
        x.output,
        x.error,
        x.worker,
        x.slot,
        x.attempts,
        x.maxAttempts,
        x.leaseExpiresAt,
        x.startedAt,
        x.completedAt,
        x.updatedAt,
        x.version,
      ],
    });
    if (result.rowCount !== 1) throw new VersionConflict(`task ${x.id} changed concurrently`);
  }
  for (const { project, slot } of change.deleteSlots) await prepared(db, 'DELETE FROM slots WHERE project = $1 AND slot = $2', [project, slot]);
  // A new slot is a plain insert: two replicas taking the same free slot collide on the key and one retries.
  for (const s of change.insertSlots) {
    await prepared(db, 'INSERT INTO slots (project, slot, worker, task_id, lease_expires_at, claimed_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      s.project,
      s.slot,
      s.worker,
      s.taskId,
      s.leaseExpiresAt,
      s.claimedAt,
      s.lastSeenAt,
    ]);
  }
  for (const s of change.updateSlots) {
    const result = await db.query({
      name: 'tc_update_slot',
      text: 'UPDATE slots SET worker = $3, task_id = $4, lease_expires_at = $5, claimed_at = $6, last_seen_at = $7 WHERE project = $1 AND slot = $2',
      values: [s.project, s.slot, s.worker, s.taskId, s.leaseExpiresAt, s.claimedAt, s.lastSeenAt],
    });
    if (result.rowCount !== 1) throw new VersionConflict(`slot ${s.slot} was freed concurrently`);
  }
  if (!change.events.length) return [];
  // Seqs in commit order: one writer at a time from taking seqs until COMMIT (events go last, so
  // this is the commit itself). A reader of "events after N" can then never see seq 11 while seq
  // 10 may still appear. Measured: about 10% of the store's rate on the 2-core reference machine.
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('task-coordinator events ' || current_schema()))`);
  const e = change.events;
  // One round trip: insert the events and tell every replica (delivered at commit).
  const inserted = await prepared<{ seq: number }>(
    db,
    `WITH ins AS (
       INSERT INTO events (at, type, project, task_id, worker_id, slot, data)
       SELECT at, type, project, task_id, worker_id, slot, data FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::jsonb[])
         WITH ORDINALITY AS x(at, type, project, task_id, worker_id, slot, data, n) ORDER BY n
       RETURNING seq),
     note AS (SELECT pg_notify($8, (SELECT max(seq) FROM ins)::text) AS sent)
     SELECT ins.seq FROM ins, note`,
    [e.map((x) => x.at), e.map((x) => x.type), e.map((x) => x.project), e.map((x) => x.taskId), e.map((x) => x.workerId), e.map((x) => x.slot), e.map((x) => JSON.stringify(x.data)), channel],
  );
  // Sequence values are taken in row order; sort to pair them with the drafts in order.
  const seqs = inserted.map((r) => r.seq).sort((a, b) => a - b);
  return e.map((draft, i) => ({ seq: seqs[i] as number, ...draft }));
}

export async function getTask(db: Db, project: string, id: string): Promise<TaskDetail | null> {
  const [row] = await rows<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE t.project = $1 AND t.id = $2`, [project, id]);
  if (!row) return null;
  const dependents = await rows<{ task_id: string }>(db, 'SELECT task_id FROM task_dependencies WHERE project = $1 AND depends_on = $2 ORDER BY task_id', [project, id]);
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
  if (query.text !== null) add((n) => `(position(lower($${n}) in lower(t.id)) > 0 OR position(lower($${n}) in lower(t.description)) > 0)`, query.text);
  params.push(query.limit + 1);
  const found = await rows<TaskRow>(db, `SELECT ${COLUMNS} FROM tasks t WHERE ${where.join(' AND ')} ORDER BY t.ord LIMIT $${params.length}`, params);
  const more = found.length > query.limit;
  const page = found.slice(0, query.limit);
  return { tasks: page.map(toTask), lastOrd: more ? (page[page.length - 1] as TaskRow).ord : null };
}

export async function heldSlots(db: Db, project: string): Promise<Slot[]> {
  return (await rows<SlotRow>(db, 'SELECT * FROM slots WHERE project = $1 ORDER BY slot', [project])).map(toSlot);
}

export async function countByStatus(db: Db, project: string): Promise<Partial<Record<TaskStatus, number>>> {
  const found = await rows<{ status: TaskStatus; n: number }>(db, 'SELECT status, count(*)::int AS n FROM tasks WHERE project = $1 GROUP BY status', [project]);
  return Object.fromEntries(found.map((r) => [r.status, r.n]));
}

export async function overview(db: Db): Promise<BackendOverview[]> {
  const [counts, slots] = await Promise.all([
    rows<{ project: string; status: TaskStatus; n: number }>(db, 'SELECT project, status, count(*)::int AS n FROM tasks GROUP BY project, status', []),
    rows<{ project: string; held: number; busy: number }>(db, 'SELECT project, count(*)::int AS held, count(task_id)::int AS busy FROM slots GROUP BY project', []),
  ]);
  return overviewFromRows(counts, slots);
}

/** Rows exactly as given (an import), in the caller's transaction; the seq sequence then continues after them. */
export async function importRecords(db: Db, batch: ImportBatch): Promise<void> {
  await persist(db, { ...emptyChange(), insertTasks: batch.tasks, insertSlots: batch.slots }, '');
  const e = batch.events;
  if (!e.length) return;
  await db.query(
    `INSERT INTO events (seq, at, type, project, task_id, worker_id, slot, data)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::jsonb[])`,
    [e.map((x) => x.seq), e.map((x) => x.at), e.map((x) => x.type), e.map((x) => x.project), e.map((x) => x.taskId), e.map((x) => x.workerId), e.map((x) => x.slot), e.map((x) => JSON.stringify(x.data))],
  );
  await db.query(`SELECT setval(pg_get_serial_sequence('events', 'seq'), (SELECT max(seq) FROM events))`);
}

/** Retention, events: the oldest first, never the newest (the log's end stays readable). */
export async function pruneEvents(db: Db, before: number, limit: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < $1 AND seq < (SELECT max(seq) FROM events) ORDER BY seq LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount ?? 0;
}

/**
 * Retention, tasks: finished tasks nothing remaining depends on. The candidates are locked first
 * (SKIP LOCKED: a task a command holds waits for a later pass); the delete then re-checks for
 * dependents in a fresh snapshot, so a task added meanwhile that depends on one keeps it. An add
 * reads its dependencies FOR SHARE, so it either commits before the lock (and is seen here) or
 * waits and finds the dependency gone (UNKNOWN_DEPENDENCY).
 */
export async function pruneTasks(db: Db, before: number, limit: number): Promise<number> {
  const candidates = await rows<{ ord: string }>(
    db,
    `SELECT t.ord FROM tasks t
     WHERE t.status IN ('done','cancelled') AND t.updated_at < $1
       AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.project = t.project AND d.depends_on = t.id)
     ORDER BY t.updated_at, t.ord LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [before, limit],
  );
  if (!candidates.length) return 0;
  const deleted = await rows<{ project: string; id: string }>(
    db,
    `DELETE FROM tasks t WHERE t.ord = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.project = t.project AND d.depends_on = t.id)
     RETURNING t.project, t.id`,
    [candidates.map((c) => c.ord)],
  );
  if (deleted.length) {
    await db.query(`DELETE FROM task_dependencies d USING unnest($1::text[], $2::text[]) AS g(project, id) WHERE d.project = g.project AND d.task_id = g.id`, [
      deleted.map((d) => d.project),
      deleted.map((d) => d.id),
    ]);
  }
  return deleted.length;
}

export async function lastSeq(db: Db): Promise<number> {
  return (await rows<{ seq: number | null }>(db, 'SELECT max(seq) AS seq FROM events', []))[0]?.seq ?? 0;
}

export async function history(db: Db, project: string, taskId: string, limit: number): Promise<TaskEvent[]> {
  return (await rows<EventRow>(db, 'SELECT * FROM events WHERE project = $1 AND task_id = $2 ORDER BY seq LIMIT $3', [project, taskId, limit])).map(toEvent);
}

/** The audit query: every filter given, in seq order. */
export async function filteredEvents(db: Db, filter: EventFilter): Promise<TaskEvent[]> {
  const params: unknown[] = [filter.afterSeq];
  const where = ['seq > $1'];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(clause(params.length));
  };
  if (filter.project !== null) add((n) => `project = $${n}`, filter.project);
  if (filter.taskId !== null) add((n) => `task_id = $${n}`, filter.taskId);
  if (filter.workerId !== null) add((n) => `worker_id = $${n}`, filter.workerId);
  if (filter.types !== null) add((n) => `type = ANY($${n}::text[])`, filter.types);
  if (filter.since !== null) add((n) => `at >= $${n}`, filter.since);
  if (filter.until !== null) add((n) => `at < $${n}`, filter.until);
  params.push(filter.limit);
  return (await rows<EventRow>(db, `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`, params)).map(toEvent);
}

export async function events(db: Db, project: string | null, afterSeq: number, limit: number): Promise<TaskEvent[]> {
  const found =
    project === null
      ? await prepared<EventRow>(db, 'SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
      : await prepared<EventRow>(db, 'SELECT * FROM events WHERE project = $1 AND seq > $2 ORDER BY seq LIMIT $3', [project, afterSeq, limit]);
  return found.map(toEvent);
}
