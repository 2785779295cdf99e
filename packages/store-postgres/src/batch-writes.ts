// The writes of a group: one statement per table for every command of the group, then its events.
import { NO_DEADLINE_KEY, type Change, type EventDraft, type Slot, type Task, type TaskEvent } from '@task-coordinator/core';
import { prepared, type Db } from './queries.js';

/** Thrown when an update found a different version: another transaction changed the row; retry. */
export class VersionConflict extends Error {
  override readonly name = 'VersionConflict';
}

/**
 * Writes the Changes of a group's commands (no two of them touch the same row: group.ts sees to
 * it) and returns each command's committed events with their seqs, in the order given.
 */
export async function writeChanges(db: Db, changes: readonly Change[], channel: string): Promise<TaskEvent[][]> {
  for (const change of changes) {
    if (change.deleteProject === null) continue;
    // Clean-all waits for every command that has read tasks to finish, and holds new ones off,
    // so no add can slip in between its checks and its insert and leave a task (or an edge) behind.
    await db.query('LOCK TABLE tasks, task_dependencies IN EXCLUSIVE MODE');
    await db.query('DELETE FROM task_dependencies WHERE project = $1', [change.deleteProject]);
    await db.query('DELETE FROM tasks WHERE project = $1', [change.deleteProject]);
  }
  const inserts = changes.flatMap((c) => c.insertTasks);
  if (inserts.length) await insertTasks(db, inserts);
  const updates = changes.flatMap((c) => c.updateTasks);
  if (updates.length) await updateTasks(db, updates);
  const freed = changes.flatMap((c) => c.deleteSlots);
  if (freed.length) {
    await prepared(db, 'DELETE FROM slots s USING unnest($1::text[], $2::int[]) AS u(project, slot) WHERE s.project = u.project AND s.slot = u.slot', [
      freed.map((s) => s.project),
      freed.map((s) => s.slot),
    ]);
  }
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
  const held = changes.flatMap((c) => c.updateSlots);
  if (held.length) {
    const result = await db.query({
      name: 'tc_update_slots',
      text: `UPDATE slots s SET worker = u.worker, task_id = u.task_id, lease_expires_at = u.lease_expires_at, claimed_at = u.claimed_at, last_seen_at = u.last_seen_at
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS u(project, slot, worker, task_id, lease_expires_at, claimed_at, last_seen_at)
       WHERE s.project = u.project AND s.slot = u.slot`,
      values: slotColumns(held),
    });
    if (result.rowCount !== held.length) throw new VersionConflict('a held slot was freed concurrently');
  }
  const drafts = changes.flatMap((c) => c.events);
  const committed = drafts.length ? await insertEvents(db, drafts, channel) : [];
  let at = 0;
  return changes.map((c) => committed.slice(at, (at += c.events.length)));
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

/** Each update applies only if the stored version is still the one the rule read. */
async function updateTasks(db: Db, t: readonly Task[]): Promise<void> {
  const result = await db.query({
    name: 'tc_update_tasks',
    text: `UPDATE tasks t SET description = u.description, status = u.status, priority = u.priority, labels = u.labels, deadline = u.deadline,
       deadline_key = u.deadline_key, output = u.output, error = u.error, worker = u.worker, slot = u.slot, attempts = u.attempts,
       max_attempts = u.max_attempts, lease_expires_at = u.lease_expires_at, started_at = u.started_at, completed_at = u.completed_at,
       updated_at = u.updated_at, version = u.version
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[], $7::bigint[], $8::bigint[], $9::text[], $10::text[],
       $11::text[], $12::int[], $13::int[], $14::int[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::int[])
       AS u(project, id, description, status, priority, labels, deadline, deadline_key, output, error, worker, slot, attempts, max_attempts,
         lease_expires_at, started_at, completed_at, updated_at, version)
     WHERE t.project = u.project AND t.id = u.id AND t.version = u.version - 1`,
    values: [
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
      t.map((x) => x.startedAt),
      t.map((x) => x.completedAt),
      t.map((x) => x.updatedAt),
      t.map((x) => x.version),
    ],
  });
  if (result.rowCount !== t.length) throw new VersionConflict('a task changed concurrently');
}

/**
 * Seqs in commit order: one writer at a time from taking seqs until COMMIT (events go last, so
 * this is the commit itself), and a reader of "events after N" can never see seq 11 while seq 10
 * may still appear. One round trip: the lock (a CTE every inserted row is joined with, so it is
 * taken before the first seq), the insert, and the notification every replica gets at commit.
 */
async function insertEvents(db: Db, e: readonly EventDraft[], channel: string): Promise<TaskEvent[]> {
  const inserted = await prepared<{ seq: number }>(
    db,
    `WITH turn AS (SELECT pg_advisory_xact_lock(hashtext('task-coordinator events ' || current_schema())) AS held),
     ins AS (
       INSERT INTO events (at, type, project, task_id, worker_id, slot, data)
       SELECT x.at, x.type, x.project, x.task_id, x.worker_id, x.slot, x.data
         FROM turn, unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::jsonb[])
           WITH ORDINALITY AS x(at, type, project, task_id, worker_id, slot, data, n) ORDER BY x.n
       RETURNING seq),
     note AS (SELECT pg_notify($8, (SELECT max(seq) FROM ins)::text) AS sent)
     SELECT ins.seq FROM ins, note`,
    [e.map((x) => x.at), e.map((x) => x.type), e.map((x) => x.project), e.map((x) => x.taskId), e.map((x) => x.workerId), e.map((x) => x.slot), e.map((x) => JSON.stringify(x.data)), channel],
  );
  // Sequence values are taken in row order; sort to pair them with the drafts in order.
  const seqs = inserted.map((r) => r.seq).sort((a, b) => a - b);
  return e.map((draft, i) => ({ seq: seqs[i] as number, ...draft }));
}
