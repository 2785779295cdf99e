// The loads of a group's round: one statement per kind for every command of the group that asks it.
//
// Locks, because commands run concurrently: rows a rule may change are read FOR UPDATE, each
// statement taking its rows in key order (two groups locking overlapping rows queue instead of
// deadlocking); claim-next reads skip rows another transaction holds (SKIP LOCKED), so claimers
// never queue behind each other; dependency statuses are read FOR SHARE when a rule asks to hold
// them, so "add a task after X" and "complete X" cannot both miss each other.
//
// Plans: every row is reached through an index, whatever the table's statistics say. A plain join
// of the asked keys with `tasks` leaves the choice to the planner, which, on a table loaded moments
// ago (no statistics yet), hashes the keys and scans the whole table (measured: 1.3 ms of CPU for
// 16 tasks on a 3,000-task board, growing with it). So each key is looked up in a LATERAL subquery
// with LIMIT (or OFFSET 0), which the planner cannot flatten into a join: a nested loop of index
// lookups, one per key. Rows found that way are locked by primary key (`ord = ANY`), in key order.
import { type Load, type Reservation, type Slot, type Task, type TaskStatus } from '@task-coordinator/core';
import { reservationFromRow, slotFromRow, taskFromRow, type ReservationRow } from '@task-coordinator/core/rows';
import { COLUMNS, HELD, prepared, type Db, type SlotRow, type TaskRow } from './queries.js';
import { loadHoldings, loadHoldingsVersions, loadTaskReservations } from './reservation-queries.js';

/** A load asked by member `n` of the group. */
export interface Request {
  n: number;
  load: Load;
}

/**
 * What a round gives a request: its answer (with a tasks load, the slots holding those tasks,
 * locked too, and what a rule finishing one of them asks next: whether any task depends on it,
 * and its file reservations), or `again` for a claim-next that found available tasks only under other
 * transactions' locks (it asks once more next round: "no task" must mean none).
 */
export type Reply =
  | { value: unknown; slots?: Slot[]; after?: Array<{ id: string; undepended: boolean; reserved: Reservation[] }> }
  | 'again';

type Of<K extends Load['kind']> = Extract<Load, { kind: K }>;

/** Task ids handed out by claim-next in this group, per project: later claim-nexts skip them. */
export type Dealt = Map<string, Set<string>>;

/**
 * Available tasks read ahead, per project: `wanted` says how many to read this round, `pool`
 * holds those read (locked, in claim order) until claim-nexts of the group ask for them (group.ts).
 */
export interface Ahead {
  wanted: Map<string, number>;
  pool: Map<string, Task[]>;
}

/** The claim-order SQL of a claim-next without labels: the first unlocked available tasks but those dealt. */
const NEXT_AVAILABLE = (labels: boolean) =>
  `SELECT ${COLUMNS} FROM tasks t WHERE t.project = $1 AND t.status = 'available' AND NOT (t.id = ANY($2::text[]))${labels ? ' AND t.labels ?| $3::text[]' : ''}
   ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT $${labels ? 4 : 3} FOR UPDATE OF t SKIP LOCKED`;

/**
 * Reads ahead, for the members whose round asks their slots as a claim-next does first, the tasks
 * their next load will most likely ask for, in the same round trip: the statement a claim-next of
 * that many members sends (batch-loads' loadNextAvailable), so the rows are the ones it would get
 * now, and locked. Rows nobody asks for stay locked until the group ends, skipped by other claimers.
 */
async function readAhead(db: Db, ahead: Ahead, dealt: Dealt): Promise<void> {
  const wanted = [...ahead.wanted];
  ahead.wanted.clear();
  await Promise.all(
    wanted.map(async ([project, count]) => {
      const rows = await prepared<TaskRow>(db, NEXT_AVAILABLE(false), [
        project,
        [...(dealt.get(project) ?? [])],
        count,
      ]);
      const pool = ahead.pool.get(project);
      if (pool) pool.push(...rows.map(taskFromRow));
      else ahead.pool.set(project, rows.map(taskFromRow));
    }),
  );
}

/** Answers every request of a round; the batched kinds only (see isSoloLoad). */
export async function answerRound(
  db: Db,
  requests: readonly Request[],
  dealt: Dealt,
  ahead?: Ahead,
): Promise<Map<number, Reply>> {
  const replies = new Map<number, Reply>();
  const byKind = new Map<Load['kind'], Request[]>();
  for (const request of requests) {
    const list = byKind.get(request.load.kind);
    if (list) list.push(request);
    else byKind.set(request.load.kind, [request]);
  }
  // Tasks before slots: the order every rule locks in, so groups never wait on each other in a cycle.
  // Every kind's statement is asked before any answers: in a transaction they travel as one query,
  // in this order (transaction.ts).
  const loads: Array<Promise<void>> = [];
  for (const kind of [
    'tasks',
    'dependents',
    'workerTasks',
    'statuses',
    'nextAvailable',
    'availablePage',
    'holdings',
    'taskReservations',
    'holdingsVersions',
    'slot',
    'workerSlots',
  ] as const) {
    const list = byKind.get(kind);
    if (list) loads.push(answerKind(db, kind, list, replies, dealt));
    if (kind === 'nextAvailable' && ahead?.wanted.size) loads.push(readAhead(db, ahead, dealt));
  }
  // Every load settles before an error goes up: none still runs when the transaction rolls back.
  const failed = (await Promise.allSettled(loads)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return replies;
}

async function answerKind(
  db: Db,
  kind: Load['kind'],
  list: Request[],
  replies: Map<number, Reply>,
  dealt: Dealt,
): Promise<void> {
  switch (kind) {
    case 'tasks':
      await loadTasks(db, list as Array<Request & { load: Of<'tasks'> }>, replies);
      break;
    case 'dependents':
      await loadDependents(db, list as Array<Request & { load: Of<'dependents'> }>, replies);
      break;
    case 'workerTasks':
      await loadWorkerTasks(db, list as Array<Request & { load: Of<'workerTasks'> }>, replies);
      break;
    case 'statuses':
      await loadStatuses(db, list as Array<Request & { load: Of<'statuses'> }>, replies);
      break;
    case 'nextAvailable':
      await loadNextAvailable(db, list as Array<Request & { load: Of<'nextAvailable'> }>, replies, dealt);
      break;
    case 'holdings':
      await loadHoldings(db, list, replies);
      break;
    case 'availablePage':
      for (const r of list as Array<Request & { load: Of<'availablePage'> }>) {
        const { project, labels, offset, limit } = r.load;
        const found = await prepared<{ id: string; files: string[] }>(
          db,
          `SELECT t.id, t.files FROM tasks t WHERE t.project = $1 AND t.status = 'available'${labels ? ' AND t.labels ?| $4::text[]' : ''}
             ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT $2 OFFSET $3`,
          labels ? [project, limit, offset, labels] : [project, limit, offset],
        );
        replies.set(r.n, { value: found.map((row) => ({ id: row.id, files: row.files })) });
      }
      break;
    case 'taskReservations':
      await loadTaskReservations(db, list, replies);
      break;
    case 'holdingsVersions':
      await loadHoldingsVersions(db, list, replies);
      break;
    case 'slot':
      await loadSlots(db, list as Array<Request & { load: Of<'slot'> }>, replies);
      break;
    case 'workerSlots':
      await loadWorkerSlots(db, list as Array<Request & { load: Of<'workerSlots'> }>, replies);
      break;
  }
}

type Numbered<R> = R & { n: number };

/**
 * The rows a `found` CTE (member `n`, task `ord`) points at, locked in key order through the
 * primary key. `found` picks rows on the statement's snapshot (only those the caller wants, so no
 * other row is locked), and locking re-reads a row changed meanwhile, so callers filter again on
 * the locked row: what a plain `… WHERE … FOR UPDATE` does.
 */
const lockedByOrd = `SELECT ${COLUMNS} FROM tasks t WHERE t.ord = ANY(ARRAY(SELECT ord FROM found)) ORDER BY t.project, t.id FOR UPDATE OF t`;

/** Rows of one statement handed to the requests that asked for them (column `n`). */
function share<T>(
  requests: readonly Request[],
  found: ReadonlyArray<{ n: number }>,
  convert: (row: never) => T,
): Map<number, T[]> {
  const out = new Map<number, T[]>(requests.map((r) => [r.n, []]));
  for (const row of found) out.get(row.n)?.push(convert(row as never));
  return out;
}

/** The task keys the requests ask for, one per id, as the columns `unnest($1, $2, $3) AS u(n, project, id)` reads. */
function taskKeys(
  requests: ReadonlyArray<{ n: number; load: { project: string; ids: readonly string[] } }>,
): [number[], string[], string[]] {
  const n: number[] = [];
  const project: string[] = [];
  const id: string[] = [];
  for (const r of requests) {
    for (const each of r.load.ids) {
      n.push(r.n);
      project.push(r.load.project);
      id.push(each);
    }
  }
  return [n, project, id];
}

async function loadTasks(
  db: Db,
  requests: Array<Request & { load: Of<'tasks'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  const [n, project, id] = taskKeys(requests);
  if (!n.length) {
    for (const r of requests) replies.set(r.n, { value: [], slots: [] });
    return;
  }
  // The held tasks' slots come along, locked after the tasks (the order every rule locks in): the
  // rule asks for them next, and a slot locked here is the same row when it asks (see group.ts).
  const locking = prepared<Numbered<TaskRow> & { held: SlotRow | null }>(
    db,
    `WITH tk AS (
           SELECT u.n, ${COLUMNS} FROM (SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, id) ORDER BY project, id) u
           CROSS JOIN LATERAL (SELECT * FROM tasks t WHERE t.project = u.project AND t.id = u.id LIMIT 1 FOR UPDATE) t),
         sl AS (
           SELECT s.* FROM (SELECT DISTINCT project, slot FROM tk WHERE slot IS NOT NULL ORDER BY project, slot) k
           CROSS JOIN LATERAL (SELECT * FROM slots s WHERE s.project = k.project AND s.slot = k.slot LIMIT 1 FOR UPDATE) s)
         SELECT tk.*, (SELECT to_jsonb(sl) FROM sl WHERE sl.project = tk.project AND sl.slot = tk.slot) AS held, (SELECT count(*) FROM sl) AS locked FROM tk`,
    [n, project, id],
  );
  // What a rule finishing one of them asks next (its dependents, its reservations), asked in the
  // same round trip: group.ts answers those loads from this without another. A statement of its
  // own, run after the one above has locked the tasks (each statement takes its snapshot when it
  // starts): an edge to a task is only added by a command holding that task FOR SHARE (add.ts),
  // and its reservations only change under a command holding it FOR UPDATE (reservations.ts), so
  // neither changes after this read while the lock is held. (A scalar subquery with LIMIT, not
  // EXISTS: the planner may hash an EXISTS over the whole table; see plans.test.ts.)
  const next = prepared<{ project: string; id: string; undepended: boolean; reserved: ReservationRow[] }>(
    db,
    `SELECT u.project, u.id,
       (SELECT 1 FROM task_dependencies e WHERE e.project = u.project AND e.depends_on = u.id LIMIT 1) IS NULL AS undepended,
       ARRAY(SELECT to_jsonb(r) FROM reservations r WHERE r.project = u.project AND r.task_id = u.id ORDER BY r.created_at, r.pattern) AS reserved
     FROM unnest($1::text[], $2::text[]) AS u(project, id)`,
    [project, id],
  );
  const [found, extras] = await Promise.all([locking, next]);
  const after = new Map(extras.map((row) => [`${row.project}\u0000${row.id}`, row] as const));
  const held = new Map<number, Slot[]>();
  for (const row of found) {
    if (!row.held) continue;
    const list = held.get(row.n);
    if (list) list.push(slotFromRow(row.held));
    else held.set(row.n, [slotFromRow(row.held)]);
  }
  for (const [member, tasks] of share(requests, found, taskFromRow))
    replies.set(member, {
      value: tasks,
      slots: held.get(member) ?? [],
      after: tasks.flatMap((t) => {
        const row = after.get(`${t.project}\u0000${t.id}`);
        return row ? [{ id: t.id, undepended: row.undepended, reserved: row.reserved.map(reservationFromRow) }] : [];
      }),
    });
}

async function loadStatuses(
  db: Db,
  requests: Array<Request & { load: Of<'statuses'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  for (const hold of [true, false]) {
    const asking = requests.filter((r) => r.load.hold === hold);
    if (!asking.length) continue;
    const [n, project, id] = taskKeys(asking);
    const found = n.length
      ? await prepared<{ n: number; id: string; status: TaskStatus }>(
          db,
          `SELECT u.n, t.id, t.status FROM (SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, id) ORDER BY project, id) u
           CROSS JOIN LATERAL (SELECT t.id, t.status FROM tasks t WHERE t.project = u.project AND t.id = u.id LIMIT 1${hold ? ' FOR SHARE' : ''}) t`,
          [n, project, id],
        )
      : [];
    const out = new Map<number, Map<string, TaskStatus>>(asking.map((r) => [r.n, new Map()]));
    for (const row of found) out.get(row.n)?.set(row.id, row.status);
    for (const [member, statuses] of out) replies.set(member, { value: statuses });
  }
}

async function loadDependents(
  db: Db,
  requests: Array<Request & { load: Of<'dependents'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  const found = await prepared<Numbered<TaskRow>>(
    db,
    `WITH found AS (
       SELECT u.n, u.status AS wanted, d.ord FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS u(n, project, id, status)
       CROSS JOIN LATERAL (SELECT t.ord FROM task_dependencies e JOIN tasks t ON t.project = e.project AND t.id = e.task_id
         WHERE e.project = u.project AND e.depends_on = u.id AND (u.status IS NULL OR t.status = u.status) OFFSET 0) d),
     locked AS (${lockedByOrd})
     SELECT f.n, l.* FROM found f JOIN locked l ON l.ord = f.ord WHERE f.wanted IS NULL OR l.status = f.wanted`,
    [
      requests.map((r) => r.n),
      requests.map((r) => r.load.project),
      requests.map((r) => r.load.id),
      requests.map((r) => r.load.status),
    ],
  );
  for (const [member, tasks] of share(requests, found, taskFromRow)) replies.set(member, { value: tasks });
}

async function loadWorkerTasks(
  db: Db,
  requests: Array<Request & { load: Of<'workerTasks'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  const found = await prepared<Numbered<TaskRow>>(
    db,
    `SELECT u.n, ${COLUMNS} FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, worker)
     JOIN tasks t ON t.project = u.project AND t.worker = u.worker AND ${HELD} ORDER BY t.project, t.id FOR UPDATE OF t`,
    [requests.map((r) => r.n), requests.map((r) => r.load.project), requests.map((r) => r.load.worker)],
  );
  // Locked in key order, answered in creation order (what the rule expects).
  const ords = new Map(found.map((row) => [`${row.project}\u0000${row.id}`, Number(row.ord)] as const));
  for (const [member, tasks] of share<Task>(requests, found, taskFromRow)) {
    tasks.sort((a, b) => (ords.get(`${a.project}\u0000${a.id}`) ?? 0) - (ords.get(`${b.project}\u0000${b.id}`) ?? 0));
    replies.set(member, { value: tasks });
  }
}

async function loadSlots(
  db: Db,
  requests: Array<Request & { load: Of<'slot'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  const found = await prepared<Numbered<SlotRow>>(
    db,
    `SELECT u.n, s.* FROM (SELECT * FROM unnest($1::int[], $2::text[], $3::int[]) AS u(n, project, slot) ORDER BY project, slot) u
     CROSS JOIN LATERAL (SELECT * FROM slots s WHERE s.project = u.project AND s.slot = u.slot LIMIT 1 FOR UPDATE) s`,
    [requests.map((r) => r.n), requests.map((r) => r.load.project), requests.map((r) => r.load.slot)],
  );
  for (const [member, slots] of share<Slot>(requests, found, slotFromRow))
    replies.set(member, { value: slots[0] ?? null });
}

async function loadWorkerSlots(
  db: Db,
  requests: Array<Request & { load: Of<'workerSlots'> }>,
  replies: Map<number, Reply>,
): Promise<void> {
  const found = await prepared<Numbered<SlotRow>>(
    db,
    `WITH found AS (
       SELECT u.n, u.worker AS wanted, s.project, s.slot FROM unnest($1::int[], $2::text[], $3::text[]) AS u(n, project, worker)
       CROSS JOIN LATERAL (SELECT s.project, s.slot FROM slots s WHERE s.project = u.project AND s.worker = u.worker OFFSET 0) s),
     locked AS (
       SELECT s.* FROM (SELECT DISTINCT project, slot FROM found ORDER BY project, slot) k
       CROSS JOIN LATERAL (SELECT * FROM slots s WHERE s.project = k.project AND s.slot = k.slot LIMIT 1 FOR UPDATE) s)
     SELECT f.n, s.* FROM found f JOIN locked s ON s.project = f.project AND s.slot = f.slot WHERE s.worker = f.wanted ORDER BY s.project, s.slot`,
    [requests.map((r) => r.n), requests.map((r) => r.load.project), requests.map((r) => r.load.worker)],
  );
  for (const [member, slots] of share<Slot>(requests, found, slotFromRow)) replies.set(member, { value: slots });
}

/**
 * Claim-next for k members at once: the first k unlocked available tasks in claim order, dealt in
 * member order (as if they had run one after the other). SKIP LOCKED lets claimers pass each
 * other, but a row is also locked by commands that end up not changing it (a claim refused for
 * want of a slot, a no-op edit): "no task" must mean no available task, so when too few are
 * found, the first one left over waits on the first locked row instead, and the others ask again.
 */
async function loadNextAvailable(
  db: Db,
  requests: Array<Request & { load: Of<'nextAvailable'> }>,
  replies: Map<number, Reply>,
  dealt: Dealt,
): Promise<void> {
  const byFilter = new Map<string, typeof requests>();
  for (const r of requests) {
    const key = JSON.stringify([r.load.project, r.load.labels, r.load.skip ?? []]);
    const list = byFilter.get(key);
    if (list) list.push(r);
    else byFilter.set(key, [r]);
  }
  for (const asking of byFilter.values()) {
    const { project, labels, skip = [] } = (asking[0] as (typeof requests)[number]).load;
    let taken = dealt.get(project);
    if (!taken) dealt.set(project, (taken = new Set()));
    const where = `t.project = $1 AND t.status = 'available' AND NOT (t.id = ANY($2::text[]))${labels ? ' AND t.labels ?| $3::text[]' : ''}`;
    const order = 'ORDER BY t.priority DESC, t.deadline_key, t.ord';
    // Tasks skipped for held files are left out like those dealt already.
    const params = (): unknown[] => (labels ? [project, [...taken, ...skip], labels] : [project, [...taken, ...skip]]);
    const found = await prepared<TaskRow>(db, NEXT_AVAILABLE(labels !== null), [...params(), asking.length]);
    const deal = (r: Request, row: TaskRow | null) => {
      if (row) taken.add(row.id);
      replies.set(r.n, { value: row ? taskFromRow(row) : null });
    };
    asking.forEach((r, i) => {
      if (i < found.length) deal(r, found[i] as TaskRow);
    });
    const left = asking.slice(found.length);
    if (!left.length) continue;
    const [waited] = await prepared<TaskRow>(
      db,
      `SELECT ${COLUMNS} FROM tasks t WHERE ${where} ${order} LIMIT 1 FOR UPDATE OF t`,
      params(),
    );
    if (waited) {
      deal(left[0] as Request, waited);
      for (const r of left.slice(1)) replies.set(r.n, 'again');
      continue;
    }
    const [any] = await prepared<{ one: number }>(db, `SELECT 1 AS one FROM tasks t WHERE ${where} LIMIT 1`, params());
    for (const r of left) {
      if (any) replies.set(r.n, 'again');
      else deal(r, null);
    }
  }
}
