// Every SQL statement of the SQLite store, prepared once: Load answers, Change writes and reads.
import type Database from 'better-sqlite3';
import {
  DomainError,
  NO_DEADLINE_KEY,
  emptyChange,
  type ImportBatch,
  type BackendOverview,
  type EventFilter,
  type Change,
  type ListQuery,
  type Load,
  type Slot,
  type Task,
  type TaskWithDependents,
  type TaskEvent,
  type TaskStatus,
  TASK_STATUSES,
  ACTIVE_STATUSES_SQL,
  statusListSql,
} from '@task-coordinator/core';
import {
  eventFromRow,
  overviewFromRows,
  slotFromRow,
  taskFromRow,
  type EventRow as CoreEventRow,
  type SlotRow,
  type TaskRow as CoreTaskRow,
} from '@task-coordinator/core/rows';
import { prepareReservationQueries } from './reservation-queries.js';

/** As SQLite returns it: dependencies and labels still JSON text, event data too. */
type TaskRow = Omit<CoreTaskRow, 'labels' | 'deps' | 'question' | 'answer' | 'notes' | 'files'> & {
  files: string;
  labels: string;
  deps: string | null;
  question: string | null;
  answer: string | null;
  notes: string;
};
type EventRow = Omit<CoreEventRow, 'data'> & { data: string };

const ROW_COLUMNS = `t.ord, t.project, t.id, t.description, t.status, t.priority, t.labels, t.deadline, t.output, t.error,
  t.worker, t.slot, t.attempts, t.max_attempts, t.lease_expires_at, t.created_at, t.started_at, t.completed_at,
  t.updated_at, t.version, t.review, t.progress, t.question, t.answer, t.notes, t.files`;
// Dependencies come from the edge table; the primary key keeps them sorted by id. Lists leave this
// per-row subquery out and read the edges of a whole page in one statement (listTasks).
const TASK_COLUMNS = `${ROW_COLUMNS},
  (SELECT json_group_array(d.depends_on) FROM task_dependencies d WHERE d.project = t.project AND d.task_id = t.id) AS deps`;

const HELD = `t.status IN (${ACTIVE_STATUSES_SQL})`;

const parseList = (text: string | null): string[] =>
  text === null || text === '[]' ? [] : (JSON.parse(text) as string[]);

function toTask(row: TaskRow): Task {
  return withDeps(row, parseList(row.deps).sort());
}

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function withDeps(row: TaskRow, deps: string[]): Task {
  // The row object is reused for the core shape (no copy of its twenty fields per task).
  const shaped = row as unknown as CoreTaskRow;
  shaped.labels = parseList(row.labels);
  shaped.deps = deps;
  // Issue-14's JSON columns: the open question, the last answer, the newest notes.
  shaped.question = parseJson<Task['question']>(row.question);
  shaped.answer = parseJson<Task['answer']>(row.answer);
  shaped.notes = row.notes === '[]' ? [] : (JSON.parse(row.notes) as Task['notes']);
  shaped.files = parseList(row.files);
  return taskFromRow(shaped);
}

const toSlot = slotFromRow;

function toEvent(row: EventRow): TaskEvent {
  return eventFromRow({ ...row, data: JSON.parse(row.data) as Record<string, unknown> });
}

/** Positional parameters (binding by name costs ~20% more on bulk inserts), in TASK_WRITE_COLUMNS order. */
function taskValues(task: Task): unknown[] {
  return [
    task.description,
    task.status,
    task.priority,
    JSON.stringify(task.labels),
    task.deadline,
    task.deadline ?? NO_DEADLINE_KEY,
    task.output,
    task.error,
    task.worker,
    task.slot,
    task.attempts,
    task.maxAttempts,
    task.leaseExpiresAt,
    task.startedAt,
    task.completedAt,
    task.updatedAt,
    task.version,
    task.review ? 1 : 0,
    task.progress,
    task.question === null ? null : JSON.stringify(task.question),
    task.answer === null ? null : JSON.stringify(task.answer),
    JSON.stringify(task.notes),
    JSON.stringify(task.files),
  ];
}

const TASK_WRITE_COLUMNS = [
  'description',
  'status',
  'priority',
  'labels',
  'deadline',
  'deadline_key',
  'output',
  'error',
  'worker',
  'slot',
  'attempts',
  'max_attempts',
  'lease_expires_at',
  'started_at',
  'completed_at',
  'updated_at',
  'version',
  'review',
  'progress',
  'question',
  'answer',
  'notes',
  'files',
] as const;

/** The statements on hot paths, exported so tests can check their query plans. */
export const SQL = {
  taskById: `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.project = ? AND t.id = ?`,
  // The status is a literal, never a bound parameter: a parameter that could match a partial
  // index's WHERE makes SQLite re-prepare the statement on every run (17 µs instead of 4.5 µs).
  dependentsInStatus: (status: TaskStatus) =>
    `SELECT ${TASK_COLUMNS} FROM task_dependencies e JOIN tasks t ON t.project = e.project AND t.id = e.task_id
       WHERE e.project = ? AND e.depends_on = ? AND t.status = '${status}'`,
  nextAvailable: `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available'
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT 1`,
  nextAvailableLabelled: `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available'
         AND EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?)))
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT 1`,
  // Claim-next passing over tasks whose files are held (skip: a JSON array of ids).
  nextAvailableSkipping: `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available' AND t.id NOT IN (SELECT value FROM json_each(?))
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT 1`,
  nextAvailableLabelledSkipping: `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available' AND t.id NOT IN (SELECT value FROM json_each(?))
         AND EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?)))
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT 1`,
  availablePage: `SELECT t.id, t.files FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available'
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT ? OFFSET ?`,
  availablePageLabelled: `SELECT t.id, t.files FROM tasks t INDEXED BY tasks_ready
       WHERE t.project = ? AND t.status = 'available'
         AND EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value IN (SELECT value FROM json_each(?)))
       ORDER BY t.priority DESC, t.deadline_key, t.ord LIMIT ? OFFSET ?`,
  workerTasks: `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.project = ? AND t.worker = ? AND ${HELD} ORDER BY t.ord`,
  expiredTasks: `SELECT ${TASK_COLUMNS} FROM tasks t WHERE ${HELD} AND t.lease_expires_at <= ? ORDER BY t.lease_expires_at, t.ord LIMIT ?`,
  // The retention rule's statuses as literals (they must imply tasks_finished's WHERE; if the rule's
  // set ever differs, INDEXED BY makes the statement fail to prepare instead of scanning the board).
  // Finished tasks nothing remaining depends on: a dependent's edges go with it, so none left means none.
  prunableTasks: (statuses: readonly TaskStatus[]) =>
    `SELECT ${TASK_COLUMNS} FROM tasks t INDEXED BY tasks_finished
       WHERE t.status IN (${statusListSql(statuses)}) AND t.updated_at < ?
         AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.project = t.project AND d.depends_on = t.id)
       ORDER BY t.updated_at, t.ord LIMIT ?`,
} as const;

export type Queries = ReturnType<typeof prepareQueries>;

export function prepareQueries(db: Database.Database) {
  const s = {
    tasksByIds: db.prepare<[string, string], TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.project = ? AND t.id IN (SELECT value FROM json_each(?))`,
    ),
    taskById: db.prepare<[string, string], TaskRow>(SQL.taskById),
    statuses: db.prepare<[string, string], { id: string; status: TaskStatus }>(
      `SELECT id, status FROM tasks WHERE project = ? AND id IN (SELECT value FROM json_each(?))`,
    ),
    dependents: db.prepare<[string, string], TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM task_dependencies e JOIN tasks t ON t.project = e.project AND t.id = e.task_id
       WHERE e.project = ? AND e.depends_on = ?`,
    ),
    dependentsInStatus: new Map(
      TASK_STATUSES.map(
        (status) => [status, db.prepare<[string, string], TaskRow>(SQL.dependentsInStatus(status))] as const,
      ),
    ),
    // Sorted by the primary key (project, task_id, depends_on): each task's dependencies in id order.
    edgesOf: db.prepare<[string, string], { task_id: string; depends_on: string }>(
      `SELECT task_id, depends_on FROM task_dependencies
       WHERE project = ? AND task_id IN (SELECT value FROM json_each(?)) ORDER BY task_id, depends_on`,
    ),
    dependentIds: db.prepare<[string, string], { task_id: string }>(
      `SELECT task_id FROM task_dependencies WHERE project = ? AND depends_on = ? ORDER BY task_id`,
    ),
    // Reads the head of the tasks_ready index: no sort, no scan of the board.
    nextAvailable: db.prepare<[string], TaskRow>(SQL.nextAvailable),
    nextAvailableLabelled: db.prepare<[string, string], TaskRow>(SQL.nextAvailableLabelled),
    nextAvailableSkipping: db.prepare<[string, string], TaskRow>(SQL.nextAvailableSkipping),
    nextAvailableLabelledSkipping: db.prepare<[string, string, string], TaskRow>(SQL.nextAvailableLabelledSkipping),
    workerTasks: db.prepare<[string, string], TaskRow>(SQL.workerTasks),
    availablePage: db.prepare<[string, number, number], { id: string; files: string }>(SQL.availablePage),
    availablePageLabelled: db.prepare<[string, string, number, number], { id: string; files: string }>(
      SQL.availablePageLabelled,
    ),
    expiredTasks: db.prepare<[number, number], TaskRow>(SQL.expiredTasks),
    countTasks: db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM tasks WHERE project = ?`),
    slot: db.prepare<[string, number], SlotRow>(`SELECT * FROM slots WHERE project = ? AND slot = ?`),
    workerSlots: db.prepare<[string, string], SlotRow>(
      `SELECT * FROM slots WHERE project = ? AND worker = ? ORDER BY slot`,
    ),
    heldSlots: db.prepare<[string], SlotRow>(`SELECT * FROM slots WHERE project = ? ORDER BY slot`),
    heldSlotNumbers: db.prepare<[string], { slot: number }>(`SELECT slot FROM slots WHERE project = ? ORDER BY slot`),
    expiredSlots: db.prepare<[number, number], SlotRow>(
      `SELECT * FROM slots WHERE lease_expires_at <= ? ORDER BY lease_expires_at, project, slot LIMIT ?`,
    ),

    insertTask: db.prepare(
      `INSERT INTO tasks (${TASK_WRITE_COLUMNS.join(', ')}, created_at, project, id)
       VALUES (${TASK_WRITE_COLUMNS.map(() => '?').join(', ')}, ?, ?, ?)`,
    ),
    insertEdge: db.prepare<[string, string, string]>(
      `INSERT INTO task_dependencies (project, task_id, depends_on) VALUES (?, ?, ?)`,
    ),
    // Applies only on the version the rule read: a lost race can never overwrite a newer row.
    updateTask: db.prepare(
      `UPDATE tasks SET ${TASK_WRITE_COLUMNS.map((c) => `${c} = ?`).join(', ')}
       WHERE project = ? AND id = ? AND version = ?`,
    ),
    deleteProjectEdges: db.prepare<[string]>(`DELETE FROM task_dependencies WHERE project = ?`),
    deleteProjectTasks: db.prepare<[string]>(`DELETE FROM tasks WHERE project = ?`),
    putSlot: db.prepare(
      `INSERT INTO slots (project, slot, worker, task_id, lease_expires_at, claimed_at, last_seen_at)
       VALUES (@project, @slot, @worker, @taskId, @leaseExpiresAt, @claimedAt, @lastSeenAt)
       ON CONFLICT (project, slot) DO UPDATE SET worker = excluded.worker, task_id = excluded.task_id,
         lease_expires_at = excluded.lease_expires_at, claimed_at = excluded.claimed_at, last_seen_at = excluded.last_seen_at`,
    ),
    deleteSlot: db.prepare<[string, number]>(`DELETE FROM slots WHERE project = ? AND slot = ?`),
    insertEvent: db.prepare<[number, string, string, string | null, string | null, number | null, string]>(
      `INSERT INTO events (at, type, project, task_id, worker_id, slot, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),

    countByStatus: db.prepare<[string], { status: TaskStatus; n: number }>(
      `SELECT status, COUNT(*) AS n FROM tasks WHERE project = ? GROUP BY status`,
    ),
    overviewTasks: db.prepare<[], { project: string; status: TaskStatus; n: number }>(
      `SELECT project, status, COUNT(*) AS n FROM tasks GROUP BY project, status`,
    ),
    overviewSlots: db.prepare<[], { project: string; held: number; busy: number }>(
      `SELECT project, COUNT(*) AS held, SUM(task_id IS NOT NULL) AS busy FROM slots GROUP BY project`,
    ),
    // Retention. The newest event readers may see always stays: AUTOINCREMENT would continue
    // anyway, but readers (lastSeq, Socket.IO resume) take the log's end from it. Events past the
    // visibility bound (not yet durable and announced, see sqlite-backend.ts) are never pruned.
    pruneEvents: db.prepare<[number, number, number]>(
      `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? AND seq < (SELECT MAX(seq) FROM events WHERE seq < ?) ORDER BY seq LIMIT ?)`,
    ),
    deleteTaskEdges: db.prepare<[string, string]>(`DELETE FROM task_dependencies WHERE project = ? AND task_id = ?`),
    deleteTask: db.prepare<[string, string]>(`DELETE FROM tasks WHERE project = ? AND id = ?`),
    importEvent: db.prepare<[number, number, string, string, string | null, string | null, number | null, string]>(
      `INSERT INTO events (seq, at, type, project, task_id, worker_id, slot, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Readers of the event log: every one stops below the visibility bound it is given.
    lastSeq: db.prepare<[number], { seq: number | null }>(`SELECT MAX(seq) AS seq FROM events WHERE seq < ?`),
    history: db.prepare<[string, string, number, number], EventRow>(
      `SELECT * FROM events WHERE project = ? AND task_id = ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
    eventsAfter: db.prepare<[number, number, number], EventRow>(
      `SELECT * FROM events WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
    projectEventsAfter: db.prepare<[string, number, number, number], EventRow>(
      `SELECT * FROM events WHERE project = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
  };

  const listCache = new Map<string, Database.Statement>();
  /** A statement built at run time (list filters, the retention rule's statuses), prepared once. */
  const cached = <R>(sql: string): Database.Statement<unknown[], R> => {
    let statement = listCache.get(sql);
    if (!statement) listCache.set(sql, (statement = db.prepare(sql)));
    return statement as Database.Statement<unknown[], R>;
  };
  const r = prepareReservationQueries(db);

  return {
    /** Answers one Load of a rule, inside the command's transaction. */
    answer(load: Load): unknown {
      switch (load.kind) {
        case 'tasks':
          if (load.ids.length === 1) {
            const row = s.taskById.get(load.project, load.ids[0] as string);
            return row ? [toTask(row)] : [];
          }
          return load.ids.length ? s.tasksByIds.all(load.project, JSON.stringify(load.ids)).map(toTask) : [];
        case 'statuses':
          return new Map(
            load.ids.length
              ? s.statuses.all(load.project, JSON.stringify(load.ids)).map((r) => [r.id, r.status] as const)
              : [],
          );
        case 'dependents':
          return (
            load.status === null
              ? s.dependents.all(load.project, load.id)
              : s.dependentsInStatus.get(load.status)!.all(load.project, load.id)
          ).map(toTask);
        case 'nextAvailable': {
          const skip = load.skip?.length ? JSON.stringify(load.skip) : null;
          const row = skip
            ? load.labels
              ? s.nextAvailableLabelledSkipping.get(load.project, skip, JSON.stringify(load.labels))
              : s.nextAvailableSkipping.get(load.project, skip)
            : load.labels
              ? s.nextAvailableLabelled.get(load.project, JSON.stringify(load.labels))
              : s.nextAvailable.get(load.project);
          return row ? toTask(row) : null;
        }
        case 'availablePage':
          return (
            load.labels
              ? s.availablePageLabelled.all(load.project, JSON.stringify(load.labels), load.limit, load.offset)
              : s.availablePage.all(load.project, load.limit, load.offset)
          ).map((row) => ({ id: row.id, files: parseList(row.files) }));
        case 'workerTasks':
          return s.workerTasks.all(load.project, load.worker).map(toTask);
        case 'slot': {
          const row = s.slot.get(load.project, load.slot);
          return row ? toSlot(row) : null;
        }
        case 'workerSlots':
          return s.workerSlots.all(load.project, load.worker).map(toSlot);
        case 'heldSlotNumbers':
          return s.heldSlotNumbers.all(load.project).map((r) => r.slot);
        case 'expiredTasks':
          return s.expiredTasks.all(load.now, load.limit).map(toTask);
        case 'expiredSlots':
          return s.expiredSlots.all(load.now, load.limit).map(toSlot);
        case 'countTasks':
          return (s.countTasks.get(load.project) as { n: number }).n;
        case 'prunableTasks':
          return cached<TaskRow>(SQL.prunableTasks(load.statuses)).all(load.before, load.limit).map(toTask);
        case 'holdings':
          return r.holdings(load.project, load.near);
        case 'taskReservations':
          return r.taskReservations(load.project, load.taskIds);
        case 'holdingsVersions':
          return r.holdingsVersions(load.project, load.workers);
      }
    },

    /** Writes a rule's Change; returns the committed events with their seq. */
    persist(change: Change): TaskEvent[] {
      if (change.deleteProject !== null) {
        s.deleteProjectEdges.run(change.deleteProject);
        s.deleteProjectTasks.run(change.deleteProject);
      }
      for (const task of change.deleteTasks) {
        s.deleteTaskEdges.run(task.project, task.id);
        s.deleteTask.run(task.project, task.id);
      }
      for (const task of change.insertTasks) {
        s.insertTask.run(...taskValues(task), task.createdAt, task.project, task.id);
        for (const dep of task.dependencies) s.insertEdge.run(task.project, task.id, dep);
      }
      for (const task of change.updateTasks) {
        if (s.updateTask.run(...taskValues(task), task.project, task.id, task.version - 1).changes !== 1) {
          throw new DomainError('STORE_BUSY', `task ${task.id} changed concurrently; retry`, { taskId: task.id });
        }
      }
      for (const { project, slot } of change.deleteSlots) s.deleteSlot.run(project, slot);
      // One writer at a time here: a new slot and a changed one are the same upsert.
      for (const slot of change.insertSlots) s.putSlot.run(slot);
      for (const slot of change.updateSlots) s.putSlot.run(slot);
      r.persist(change);
      return change.events.map((e) => {
        const seq = Number(
          s.insertEvent.run(e.at, e.type, e.project, e.taskId, e.workerId, e.slot, JSON.stringify(e.data))
            .lastInsertRowid,
        );
        return { seq, ...e };
      });
    },

    reservations: r.list,
    holdings: r.holdings,

    getTask(project: string, id: string): TaskWithDependents | null {
      const row = s.taskById.get(project, id);
      if (!row) return null;
      return { ...toTask(row), dependents: s.dependentIds.all(project, id).map((r) => r.task_id) };
    },

    listTasks(query: ListQuery): { tasks: Task[]; lastOrd: number | null } {
      const where = ['t.project = @project'];
      if (query.afterOrd !== null) where.push('t.ord > @afterOrd');
      // Statuses as literals (validated enum values, sorted so equal filters share a statement): the
      // planner can then use the status indexes, which a json_each() list hides from it.
      if (query.statuses)
        where.push(
          `t.status IN (${[...new Set(query.statuses)]
            .sort()
            .map((status) => `'${status}'`)
            .join(',')})`,
        );
      if (query.label !== null) where.push('EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value = @label)');
      if (query.worker !== null) where.push('t.worker = @worker');
      if (query.text !== null)
        where.push(
          '(instr(tc_lower(t.id), tc_lower(@text)) > 0 OR instr(tc_lower(t.description), tc_lower(@text)) > 0)',
        );
      const sql = `SELECT ${ROW_COLUMNS} FROM tasks t WHERE ${where.join(' AND ')} ORDER BY t.ord LIMIT @limit`;
      const rows = cached(sql).all({
        project: query.project,
        limit: query.limit + 1,
        ...(query.afterOrd !== null ? { afterOrd: query.afterOrd } : {}),
        ...(query.label !== null ? { label: query.label } : {}),
        ...(query.worker !== null ? { worker: query.worker } : {}),
        ...(query.text !== null ? { text: query.text } : {}),
      }) as TaskRow[];
      const more = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      // The page's edges in one statement (primary-key lookups), not a subquery per row.
      const deps = new Map<string, string[]>();
      if (page.length) {
        for (const edge of s.edgesOf.all(query.project, JSON.stringify(page.map((r) => r.id)))) {
          const list = deps.get(edge.task_id);
          if (list) list.push(edge.depends_on);
          else deps.set(edge.task_id, [edge.depends_on]);
        }
      }
      const lastOrd = more ? (page[page.length - 1] as TaskRow).ord : null;
      return { tasks: page.map((row) => withDeps(row, deps.get(row.id) ?? [])), lastOrd };
    },

    heldSlots(project: string): Slot[] {
      return s.heldSlots.all(project).map(toSlot);
    },

    countByStatus(project: string): Partial<Record<TaskStatus, number>> {
      return Object.fromEntries(s.countByStatus.all(project).map((r) => [r.status, r.n]));
    },

    overview(): BackendOverview[] {
      return overviewFromRows(s.overviewTasks.all(), s.overviewSlots.all());
    },

    /** Rows exactly as given (an import); the caller runs it inside a transaction. */
    importRecords(batch: ImportBatch): void {
      this.persist({
        ...emptyChange(),
        insertTasks: batch.tasks,
        insertSlots: batch.slots,
        insertReservations: batch.reservations,
      });
      // An explicit seq also moves AUTOINCREMENT's counter: later events continue after it.
      for (const e of batch.events)
        s.importEvent.run(e.seq, e.at, e.type, e.project, e.taskId, e.workerId, e.slot, JSON.stringify(e.data));
    },

    /** Retention of events below `below` only, one pass; the caller runs it inside a transaction. */
    pruneEvents(before: number, limit: number, below: number): number {
      return s.pruneEvents.run(before, below, limit).changes;
    },

    // The event log's readers take `below`: events at or past it are not returned (sqlite-backend.ts).
    lastSeq(below: number): number {
      return s.lastSeq.get(below)?.seq ?? 0;
    },

    history(project: string, taskId: string, limit: number, below: number): TaskEvent[] {
      return s.history.all(project, taskId, below, limit).map(toEvent);
    },

    /** Every event after `afterSeq` and below `below`, oldest first (the feed's catch-up). */
    eventsAfter(afterSeq: number, below: number, limit: number): TaskEvent[] {
      return s.eventsAfter.all(afterSeq, below, limit).map(toEvent);
    },

    events(filter: EventFilter, below: number): TaskEvent[] {
      const { project, afterSeq, limit } = filter;
      const plain =
        filter.taskId === null &&
        filter.workerId === null &&
        filter.types === null &&
        filter.since === null &&
        filter.until === null;
      // The live feed's two shapes stay prepared statements: they run on every Socket.IO resume and long-poll.
      if (plain && !filter.descending && filter.beforeSeq === null)
        return (
          project === null
            ? s.eventsAfter.all(afterSeq, below, limit)
            : s.projectEventsAfter.all(project, afterSeq, below, limit)
        ).map(toEvent);
      const where = ['seq > @afterSeq', 'seq < @beforeSeq'];
      if (project !== null) where.push('project = @project');
      if (filter.taskId !== null) where.push('task_id = @taskId');
      if (filter.workerId !== null) where.push('worker_id = @workerId');
      if (filter.types !== null) where.push('type IN (SELECT value FROM json_each(@types))');
      if (filter.since !== null) where.push('at >= @since');
      if (filter.until !== null) where.push('at < @until');
      const sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq${filter.descending ? ' DESC' : ''} LIMIT @limit`;
      const rows = cached(sql).all({
        afterSeq,
        limit,
        beforeSeq: filter.beforeSeq === null ? below : Math.min(filter.beforeSeq, below),
        ...(project !== null ? { project } : {}),
        ...(filter.taskId !== null ? { taskId: filter.taskId } : {}),
        ...(filter.workerId !== null ? { workerId: filter.workerId } : {}),
        ...(filter.types !== null ? { types: JSON.stringify(filter.types) } : {}),
        ...(filter.since !== null ? { since: filter.since } : {}),
        ...(filter.until !== null ? { until: filter.until } : {}),
      }) as EventRow[];
      return rows.map(toEvent);
    },
  };
}
