// The PostgreSQL store's reservations: the holdings and taskReservations loads (batched), writes, reads.
//
// Serialisation: every command that grants files (reserve, a claim of a task declaring files) reads
// the holdings, and reading them first takes a per-project advisory lock held until commit, in a
// statement of its own (under READ COMMITTED the read that follows then sees every grant committed
// before the lock was had). So two transactions, on any replica, never both grant overlapping files.
import {
  ACTIVE_STATUSES_SQL,
  compareReservations,
  type Change,
  type FileHolding,
  type Near,
  patternBase,
  type Reservation,
} from '@task-coordinator/core';
import { reservationFromRow, type ReservationRow } from '@task-coordinator/core/rows';
import { prepared, send, type Db } from './queries.js';
import type { Load } from '@task-coordinator/core';

/** A load of member `n` and what a round answers it (the shapes of batch-loads.ts, which calls these). */
type Request = { n: number; load: Load };
type Reply = { value: unknown };

type HoldingRow = {
  project: string;
  pattern: string;
  mode: 'exclusive' | 'shared';
  worker: string;
  task_id: string;
  since: string | number;
  kind: 'reservation' | 'declared';
};

// $2: per project (same order as $1), the Near as JSON, or null for all of its reservations.
const HOLDINGS = `SELECT r.project, r.pattern, r.mode, r.worker, r.task_id, r.created_at AS since, 'reservation' AS kind, r.task_id AS s1, r.created_at AS s2, r.pattern AS s3
     FROM unnest($1::text[], $2::jsonb[]) AS q(project, near)
     CROSS JOIN LATERAL (
       SELECT * FROM reservations r WHERE r.project = q.project AND q.near IS NULL
       UNION
       SELECT * FROM reservations r WHERE r.project = q.project AND r.base IN (SELECT jsonb_array_elements_text(q.near->'prefixes'))
       UNION
       SELECT r.* FROM jsonb_array_elements_text(q.near->'under') AS u(base)
         JOIN reservations r ON r.project = q.project AND left(r.base, length(u.base) + 1) = u.base || '/') r
   UNION ALL
   SELECT t.project, f.pattern, 'exclusive', t.worker, t.id, coalesce(t.started_at, t.updated_at), 'declared', '', t.ord, lpad(f.n::text, 4, '0')
     FROM tasks t CROSS JOIN LATERAL jsonb_array_elements_text(t.files) WITH ORDINALITY AS f(pattern, n)
     WHERE t.project = ANY($1::text[]) AND t.status IN (${ACTIVE_STATUSES_SQL}) AND t.files <> '[]'::jsonb
   ORDER BY kind DESC, s1, s2, s3`;

function holdingOf(row: HoldingRow): FileHolding {
  return {
    pattern: row.pattern,
    mode: row.mode,
    worker: row.worker,
    taskId: row.task_id,
    since: Number(row.since),
    kind: row.kind,
  };
}

/** Takes the projects' file locks (in name order), then reads what every worker holds there. */
export async function readHoldings(
  db: Db,
  asked: ReadonlyArray<{ project: string; near: Near | null }>,
  lock: boolean,
): Promise<Map<string, FileHolding[]>> {
  const sorted = [...new Set(asked.map((a) => a.project))].sort();
  // Several members asking for one project: the union of what they need (all if any needs all).
  const nears = sorted.map((project) => {
    const mine = asked.filter((a) => a.project === project).map((a) => a.near);
    if (mine.some((n) => n === null)) return null;
    return JSON.stringify({
      prefixes: [...new Set(mine.flatMap((n) => (n as Near).prefixes))],
      under: [...new Set(mine.flatMap((n) => (n as Near).under))],
    });
  });
  if (lock) {
    await send(
      db,
      `SELECT pg_advisory_xact_lock(hashtext('task-coordinator files ' || current_schema() || ' ' || p)) FROM unnest($1::text[]) AS p ORDER BY p`,
      [sorted],
    );
  }
  const out = new Map<string, FileHolding[]>(sorted.map((p) => [p, []]));
  for (const row of await prepared<HoldingRow>(db, HOLDINGS, [sorted, nears]))
    out.get(row.project)?.push(holdingOf(row));
  return out;
}

export async function loadHoldings(
  db: Db,
  requests: readonly Request[],
  replies: { set(n: number, reply: Reply): unknown },
): Promise<void> {
  const byProject = await readHoldings(
    db,
    requests.map((r) => r.load as { project: string; near: Near | null }),
    true,
  );
  for (const r of requests) replies.set(r.n, { value: byProject.get((r.load as { project: string }).project) ?? [] });
}

/** Every request's keys as parallel arrays (member, project, key), the columns of one unnest() query. */
function keysOf(
  requests: readonly Request[],
  keys: (load: Request['load']) => readonly string[],
): { n: number[]; project: string[]; key: string[] } {
  const out = { n: [] as number[], project: [] as string[], key: [] as string[] };
  for (const r of requests) {
    const { project } = r.load as { project: string };
    for (const key of keys(r.load)) {
      out.n.push(r.n);
      out.project.push(project);
      out.key.push(key);
    }
  }
  return out;
}

export async function loadTaskReservations(
  db: Db,
  requests: readonly Request[],
  replies: { set(n: number, reply: Reply): unknown },
): Promise<void> {
  const { n, project, key: id } = keysOf(requests, (load) => (load as { taskIds: readonly string[] }).taskIds);
  const found = n.length
    ? await prepared<ReservationRow & { n: number }>(
        db,
        `SELECT u.n, r.* FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, id)
         JOIN reservations r ON r.project = u.project AND r.task_id = u.id ORDER BY u.n, r.task_id, r.created_at, r.pattern`,
        [n, project, id],
      )
    : [];
  const out = new Map<number, Reservation[]>(requests.map((r) => [r.n, []]));
  for (const row of found) out.get(row.n)?.push(reservationFromRow(row));
  for (const [member, list] of out) replies.set(member, { value: list });
}

/** The holdings versions each request asks for (only the stored ones; core counts the others as 0). */
export async function loadHoldingsVersions(
  db: Db,
  requests: readonly Request[],
  replies: { set(n: number, reply: Reply): unknown },
): Promise<void> {
  const { n, project, key: worker } = keysOf(requests, (load) => (load as { workers: readonly string[] }).workers);
  const found = n.length
    ? await prepared<{ n: number; worker: string; version: string | number }>(
        db,
        `SELECT u.n, v.worker, v.version FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, worker)
         JOIN holdings_versions v ON v.project = u.project AND v.worker = u.worker`,
        [n, project, worker],
      )
    : [];
  const out = new Map<number, Map<string, number>>(requests.map((r) => [r.n, new Map()]));
  for (const row of found) out.get(row.n)?.set(row.worker, Number(row.version));
  for (const [member, versions] of out) replies.set(member, { value: versions });
}

/** The reservation writes and holdings version bumps of a group's changes (project deletions come first). */
export async function writeReservations(db: Db, changes: readonly Change[]): Promise<void> {
  for (const change of changes)
    if (change.deleteProject !== null) {
      await send(db, 'DELETE FROM reservations WHERE project = $1', [change.deleteProject]);
      // A cleared project keeps only its '' row (bumped with it): workers' rows need not pile up.
      await send(db, `DELETE FROM holdings_versions WHERE project = $1 AND worker <> ''`, [change.deleteProject]);
    }
  // One bump per key for the group (it commits as one), rows locked in key order.
  const bumps = new Map<string, [string, string]>();
  for (const c of changes)
    for (const b of c.bumpHoldings) bumps.set(`${b.project}\u0000${b.worker}`, [b.project, b.worker]);
  if (bumps.size) {
    const keys = [...bumps.values()].sort(([p1, w1], [p2, w2]) =>
      p1 < p2 ? -1 : p1 > p2 ? 1 : w1 < w2 ? -1 : w1 > w2 ? 1 : 0,
    );
    await send(
      db,
      `INSERT INTO holdings_versions (project, worker, version)
       SELECT project, worker, 1 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS b(project, worker, n) ORDER BY n
       ON CONFLICT (project, worker) DO UPDATE SET version = holdings_versions.version + 1`,
      [keys.map(([p]) => p), keys.map(([, w]) => w)],
    );
  }
  const gone = changes.flatMap((c) => c.deleteReservations);
  if (gone.length) {
    await send(
      db,
      `DELETE FROM reservations r USING jsonb_to_recordset($1::jsonb) AS d(project text, "taskId" text, patterns jsonb)
       WHERE r.project = d.project AND r.task_id = d."taskId" AND (d.patterns IS NULL OR d.patterns ? r.pattern)`,
      [JSON.stringify(gone)],
    );
  }
  const put = changes.flatMap((c) => c.insertReservations);
  if (put.length) {
    await send(
      db,
      `INSERT INTO reservations (project, task_id, pattern, mode, worker, reason, created_at, base)
       SELECT project, "taskId", pattern, mode, worker, reason, "createdAt", base
         FROM jsonb_to_recordset($1::jsonb) AS x(project text, "taskId" text, pattern text, mode text, worker text, reason text, "createdAt" bigint, base text)
       ON CONFLICT (project, task_id, pattern) DO UPDATE SET mode = excluded.mode, worker = excluded.worker,
         reason = excluded.reason, created_at = excluded.created_at`,
      [JSON.stringify(put.map((r) => ({ ...r, base: patternBase(r.pattern) })))],
    );
  }
}

/** Live reservations of a project, optionally of one worker and/or task, by task then creation. */
export async function listReservations(
  db: Db,
  project: string,
  worker: string | null,
  taskId: string | null,
): Promise<Reservation[]> {
  const found = await prepared<ReservationRow>(
    db,
    `SELECT * FROM reservations WHERE project = $1 AND ($2::text IS NULL OR worker = $2) AND ($3::text IS NULL OR task_id = $3)
     ORDER BY task_id, created_at, pattern`,
    [project, worker, taskId],
  );
  return found
    .map(reservationFromRow)
    .sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : compareReservations(a, b)));
}
