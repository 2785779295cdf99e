// The writes of a group: one statement per table for every command of the group, then its events.
import {
  NO_DEADLINE_KEY,
  emptyChange,
  type Change,
  type EventDraft,
  type ImportBatch,
  type Slot,
  type Task,
  type TaskEvent,
} from '@task-coordinator/core';
import { prepared, send, type Db } from './queries.js';
import { Transaction } from './transaction.js';
import { writeReservations } from './reservation-queries.js';

/**
 * Writes the Changes of a group's commands (no two of them touch the same row: group.ts sees to
 * it) and returns each command's committed events with their seqs, in the order given. With
 * `commit`, the transaction's COMMIT travels with the last statement (see transaction.ts).
 */
export async function writeChanges(
  db: Db,
  changes: readonly Change[],
  channel: string,
  commit = false,
): Promise<TaskEvent[][]> {
  for (const change of changes) {
    if (change.deleteProject === null) continue;
    // Clean-all waits for every command that has read tasks to finish, and holds new ones off,
    // so no add can slip in between its checks and its insert and leave a task (or an edge) behind.
    await send(db, 'LOCK TABLE tasks, task_dependencies IN EXCLUSIVE MODE');
    await send(db, 'DELETE FROM task_dependencies WHERE project = $1', [change.deleteProject]);
    await send(db, 'DELETE FROM tasks WHERE project = $1', [change.deleteProject]);
  }
  const removed = changes.flatMap((c) => c.deleteTasks);
  if (removed.length) await deleteTasks(db, removed);
  const inserts = changes.flatMap((c) => c.insertTasks);
  if (inserts.length) await insertTasks(db, inserts);
  if (
    changes.some(
      (c) =>
        c.deleteProject !== null || c.deleteReservations.length || c.insertReservations.length || c.bumpHoldings.length,
    )
  )
    await writeReservations(db, changes);
  // A new slot is a plain insert: two replicas taking the same free slot collide on the key and one retries.
  const taken = changes.flatMap((c) => c.insertSlots);
  if (taken.length) {
    await prepared(
      db,
      `INSERT INTO slots (project, slot, worker, task_id, lease_expires_at, claimed_at, last_seen_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])`,
      slotColumns(taken),
    );
  }
  const updates = changes.flatMap((c) => c.updateTasks);
  const freed = changes.flatMap((c) => c.deleteSlots);
  const held = changes.flatMap((c) => c.updateSlots);
  const drafts = changes.flatMap((c) => c.events);
  const committed =
    updates.length || freed.length || held.length || drafts.length
      ? await writeRest(db, updates, freed, held, drafts, channel, commit)
      : [];
  let at = 0;
  return changes.map((c) => committed.slice(at, (at += c.events.length)));
}

/**
 * Removes tasks (retention) with their edges; returns how many went. A task something depends on
 * stays: the check runs again here, in a fresh snapshot, so a task added since the rule's load
 * that depends on one keeps it. An add reads its dependencies FOR SHARE, so it either commits
 * before the load's lock (and is seen here) or waits and finds the dependency gone (UNKNOWN_DEPENDENCY).
 */
export async function deleteTasks(db: Db, tasks: readonly Task[]): Promise<number> {
  const { rows: deleted } = await send<{ project: string; id: string }>(
    db,
    `DELETE FROM tasks t USING unnest($1::text[], $2::text[]) AS g(project, id)
     WHERE t.project = g.project AND t.id = g.id
       AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.project = t.project AND d.depends_on = t.id)
     RETURNING t.project, t.id`,
    [tasks.map((t) => t.project), tasks.map((t) => t.id)],
  );
  if (deleted.length) {
    await send(
      db,
      `DELETE FROM task_dependencies d USING unnest($1::text[], $2::text[]) AS g(project, id) WHERE d.project = g.project AND d.task_id = g.id`,
      [deleted.map((d) => d.project), deleted.map((d) => d.id)],
    );
  }
  return deleted.length;
}

/**
 * The hot path's writes in one statement (one round trip per group, with the COMMIT): changed
 * tasks (each only if the stored version is still the one the rule read), freed and changed slots,
 * and the events. The parts touch different rows (group.ts sees to it), so they need not see each
 * other's effects.
 *
 * Rows go as JSON documents: serialised natively, where the driver's array encoding is slow
 * JavaScript. Tasks are found by key in a LATERAL lookup and updated through the primary key
 * (`ord = ANY`): joined with the documents directly, a board without statistics yet was scanned
 * whole (8 ms of a group's 10 on 20,000 tasks; see batch-loads.ts). Slots are reached through their
 * primary key the same way (`= ANY` on both of its columns): their rows change every cycle, and a
 * scan reads every dead version of them too.
 *
 * Fewer rows matched than changed (another transaction got there first) raises 40001 inside the
 * statement (tc_expect_rows, migration 3), so a COMMIT sent with it never runs; the group is retried.
 *
 * Seqs in commit order: one writer at a time from taking seqs until COMMIT (events go last, so
 * this is the commit itself), and a reader of "events after N" can never see seq 11 while seq 10
 * may still appear. The lock is a CTE every inserted event is joined with, so it is taken before
 * the first seq; the notification reaches every replica at commit.
 */
const WRITE_REST = `WITH u AS (
       SELECT u.*, k.ord FROM jsonb_to_recordset($1::jsonb) AS u(project text, id text, description text, status text, priority int, labels jsonb,
         deadline bigint, output text, error text, worker text, slot int, attempts int, "maxAttempts" int, "leaseExpiresAt" bigint,
         "startedAt" bigint, "completedAt" bigint, "updatedAt" bigint, version int, review boolean, progress text, question jsonb,
         answer jsonb, notes jsonb, files jsonb)
       CROSS JOIN LATERAL (SELECT x.ord FROM tasks x WHERE x.project = u.project AND x.id = u.id LIMIT 1) k),
     ut AS (
       UPDATE tasks t SET description = u.description, status = u.status, priority = u.priority, labels = u.labels, deadline = u.deadline,
         deadline_key = coalesce(u.deadline, ${NO_DEADLINE_KEY}), output = u.output, error = u.error, worker = u.worker, slot = u.slot,
         attempts = u.attempts, max_attempts = u."maxAttempts", lease_expires_at = u."leaseExpiresAt", started_at = u."startedAt",
         completed_at = u."completedAt", updated_at = u."updatedAt", version = u.version, review = u.review,
         progress = u.progress, question = u.question, answer = u.answer, notes = u.notes, files = u.files
       FROM u WHERE t.ord = ANY(ARRAY(SELECT ord FROM u)) AND t.ord = u.ord AND t.version = u.version - 1
       RETURNING 1),
     ds AS (
       DELETE FROM slots s USING jsonb_to_recordset($2::jsonb) AS u(project text, slot int)
       WHERE s.project = ANY($6::text[]) AND s.slot = ANY($7::int[]) AND s.project = u.project AND s.slot = u.slot RETURNING 1),
     us AS (
       UPDATE slots s SET worker = u.worker, task_id = u."taskId", lease_expires_at = u."leaseExpiresAt", claimed_at = u."claimedAt", last_seen_at = u."lastSeenAt"
       FROM jsonb_to_recordset($3::jsonb) AS u(project text, slot int, worker text, "taskId" text, "leaseExpiresAt" bigint, "claimedAt" bigint, "lastSeenAt" bigint)
       WHERE s.project = ANY($8::text[]) AND s.slot = ANY($9::int[]) AND s.project = u.project AND s.slot = u.slot
       RETURNING 1),
     turn AS (SELECT pg_advisory_xact_lock(hashtext('task-coordinator events ' || current_schema())) AS held WHERE jsonb_array_length($4::jsonb) > 0),
     ins AS (
       INSERT INTO events (at, type, project, task_id, worker_id, slot, data)
       SELECT x.at, x.type, x.project, x."taskId", x."workerId", x.slot, x.data
         FROM turn, ROWS FROM (jsonb_to_recordset($4::jsonb) AS (at bigint, type text, project text, "taskId" text, "workerId" text, slot int, data jsonb))
           WITH ORDINALITY AS x(at, type, project, "taskId", "workerId", slot, data, n)
         ORDER BY x.n
       RETURNING seq),
     note AS (SELECT pg_notify($5, max(seq)::text) AS sent FROM ins HAVING count(*) > 0)
     SELECT tc_expect_rows('a task', $10::int, (SELECT count(*) FROM ut)::int) AS tasks,
       tc_expect_rows('a held slot', $11::int, (SELECT count(*) FROM us)::int) AS slots,
       ARRAY(SELECT seq FROM ins ORDER BY seq) AS seqs, (SELECT count(*) FROM note) AS notified, (SELECT count(*) FROM ds) AS freed`;

/** Runs WRITE_REST and returns the events with the seqs they took. */
async function writeRest(
  db: Db,
  t: readonly Task[],
  freed: ReadonlyArray<{ project: string; slot: number }>,
  held: readonly Slot[],
  e: readonly EventDraft[],
  channel: string,
  commit: boolean,
): Promise<TaskEvent[]> {
  const events = JSON.stringify(e);
  const params = [
    JSON.stringify(t),
    JSON.stringify(freed),
    JSON.stringify(held),
    events,
    channel,
    ...slotKeys(freed),
    ...slotKeys(held),
    t.length,
    held.length,
  ];
  type Row = { seqs: Array<string | number> };
  const [row] =
    commit && db instanceof Transaction
      ? await db.executeAndCommit<Row>(WRITE_REST, params)
      : await prepared<Row>(db, WRITE_REST, params);
  // BIGINT arrays arrive as strings (the driver parses only scalar BIGINTs as numbers here).
  const { seqs } = row as Row;
  // Shaped as the feed reads them back (eventFromRow), data as stored (the JSON sent, parsed once):
  // a reader sees the same event either way.
  const stored = JSON.parse(events) as Array<{ data: Record<string, unknown> }>;
  return e.map((x, i) => ({
    seq: Number(seqs[i]),
    at: x.at,
    type: x.type,
    project: x.project,
    taskId: x.taskId,
    workerId: x.workerId,
    slot: x.slot,
    data: (stored[i] as { data: Record<string, unknown> }).data,
  }));
}

/** A slot key's columns as arrays, for `project = ANY(…) AND slot = ANY(…)` (the primary key). */
function slotKeys(slots: ReadonlyArray<{ project: string; slot: number }>): [string[], number[]] {
  return [[...new Set(slots.map((s) => s.project))], [...new Set(slots.map((s) => s.slot))]];
}

function slotColumns(slots: readonly Slot[]): unknown[] {
  return [
    slots.map((s) => s.project),
    slots.map((s) => s.slot),
    slots.map((s) => s.worker),
    slots.map((s) => s.taskId),
    slots.map((s) => s.leaseExpiresAt),
    slots.map((s) => s.claimedAt),
    slots.map((s) => s.lastSeenAt),
  ];
}

async function insertTasks(db: Db, t: readonly Task[]): Promise<void> {
  // One statement for a whole batch (a 1,000-task add is one round trip, not a thousand).
  await send(
    db,
    `INSERT INTO tasks (project, id, description, status, priority, labels, deadline, deadline_key, output, error, worker, slot,
       attempts, max_attempts, lease_expires_at, created_at, started_at, completed_at, updated_at, version,
       review, progress, question, answer, notes, files)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[], $7::bigint[], $8::bigint[],
       $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::int[], $15::bigint[], $16::bigint[], $17::bigint[],
       $18::bigint[], $19::bigint[], $20::int[], $21::boolean[], $22::text[], $23::jsonb[], $24::jsonb[], $25::jsonb[],
       $26::jsonb[])`,
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
      t.map((x) => x.review),
      t.map((x) => x.progress),
      t.map((x) => (x.question === null ? null : JSON.stringify(x.question))),
      t.map((x) => (x.answer === null ? null : JSON.stringify(x.answer))),
      t.map((x) => JSON.stringify(x.notes)),
      t.map((x) => JSON.stringify(x.files)),
    ],
  );
  const edges = t.flatMap((x) => x.dependencies.map((dep) => [x.project, x.id, dep] as const));
  if (edges.length) {
    await send(
      db,
      'INSERT INTO task_dependencies (project, task_id, depends_on) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      [edges.map((e) => e[0]), edges.map((e) => e[1]), edges.map((e) => e[2])],
    );
  }
}

/** Rows exactly as given (an import), in the caller's transaction; the seq sequence then continues after them. */
export async function importRecords(db: Db, batch: ImportBatch): Promise<void> {
  await writeChanges(
    db,
    [{ ...emptyChange(), insertTasks: batch.tasks, insertSlots: batch.slots, insertReservations: batch.reservations }],
    '',
  );
  const e = batch.events;
  if (!e.length) return;
  await send(
    db,
    `INSERT INTO events (seq, at, type, project, task_id, worker_id, slot, data)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::jsonb[])`,
    [
      e.map((x) => x.seq),
      e.map((x) => x.at),
      e.map((x) => x.type),
      e.map((x) => x.project),
      e.map((x) => x.taskId),
      e.map((x) => x.workerId),
      e.map((x) => x.slot),
      e.map((x) => JSON.stringify(x.data)),
    ],
  );
  await send(db, `SELECT setval(pg_get_serial_sequence('events', 'seq'), (SELECT max(seq) FROM events))`);
}
