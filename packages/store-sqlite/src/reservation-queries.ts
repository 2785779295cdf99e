// The SQLite store's reservation statements: the holdings and taskReservations loads, their writes, the reads.
import type Database from 'better-sqlite3';
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

export type ReservationQueries = ReturnType<typeof prepareReservationQueries>;

export function prepareReservationQueries(db: Database.Database) {
  const s = {
    ofProject: db.prepare<[string], ReservationRow>(
      `SELECT * FROM reservations WHERE project = ? ORDER BY task_id, created_at, pattern`,
    ),
    ofTask: db.prepare<[string, string], ReservationRow>(
      `SELECT * FROM reservations WHERE project = ? AND task_id = ? ORDER BY created_at, pattern`,
    ),
    ofTasks: db.prepare<[string, string], ReservationRow>(
      `SELECT * FROM reservations WHERE project = ? AND task_id IN (SELECT value FROM json_each(?))
       ORDER BY task_id, created_at, pattern`,
    ),
    ofWorker: db.prepare<[string, string], ReservationRow>(
      `SELECT * FROM reservations WHERE project = ? AND worker = ? ORDER BY task_id, created_at, pattern`,
    ),
    declared: db.prepare<
      [string],
      { id: string; worker: string; files: string; started_at: number | null; updated_at: number }
    >(
      `SELECT id, worker, files, started_at, updated_at FROM tasks INDEXED BY tasks_held_files
       WHERE project = ? AND status IN (${ACTIVE_STATUSES_SQL}) AND files <> '[]' ORDER BY ord`,
    ),
    put: db.prepare(
      `INSERT INTO reservations (project, task_id, pattern, mode, worker, reason, created_at, base)
       VALUES (@project, @taskId, @pattern, @mode, @worker, @reason, @createdAt, @base)
       ON CONFLICT (project, task_id, pattern) DO UPDATE SET mode = excluded.mode, worker = excluded.worker,
         reason = excluded.reason, created_at = excluded.created_at`,
    ),
    deleteOne: db.prepare<[string, string, string]>(
      `DELETE FROM reservations WHERE project = ? AND task_id = ? AND pattern = ?`,
    ),
    deleteTask: db.prepare<[string, string]>(`DELETE FROM reservations WHERE project = ? AND task_id = ?`),
    deleteProject: db.prepare<[string]>(`DELETE FROM reservations WHERE project = ?`),
    versions: db
      .prepare<[string, string], [string, number]>(
        `SELECT worker, version FROM holdings_versions WHERE project = ? AND worker IN (SELECT value FROM json_each(?))`,
      )
      .raw(true),
    bump: db.prepare<[string, string]>(
      `INSERT INTO holdings_versions (project, worker, version) VALUES (?, ?, 1)
       ON CONFLICT (project, worker) DO UPDATE SET version = version + 1`,
    ),
    // A cleared project keeps only its '' row (bumped with it): workers' rows need not pile up.
    forgetVersions: db.prepare<[string]>(`DELETE FROM holdings_versions WHERE project = ? AND worker <> ''`),
    // Holdings on every conflict check: rows as arrays (no per-row object built by the driver).
    holdingRows: db
      .prepare<[string], unknown[]>(
        `SELECT pattern, mode, worker, task_id, created_at FROM reservations WHERE project = ? ORDER BY task_id, created_at, pattern`,
      )
      .raw(true),
    // Only those near the patterns checked (see core Near): prefixes by key; `under` as index ranges,
    // the list driving the loop (CROSS JOIN keeps SQLite from scanning the project's rows instead).
    nearPrefixRows: db
      .prepare<[string, string], unknown[]>(
        `SELECT pattern, mode, worker, task_id, created_at FROM reservations INDEXED BY reservations_by_base
         WHERE project = ? AND base IN (SELECT value FROM json_each(?))`,
      )
      .raw(true),
    nearUnderRows: db
      .prepare<[string, string], unknown[]>(
        `SELECT r.pattern, r.mode, r.worker, r.task_id, r.created_at FROM json_each(?) u
           CROSS JOIN reservations r INDEXED BY reservations_by_base
         WHERE r.project = ? AND r.base >= u.value || '/' AND r.base < u.value || '0'`,
      )
      .raw(true),
  };

  const holdings = (project: string, near: Near | null = null): FileHolding[] => {
    let rows: unknown[];
    if (near === null) rows = s.holdingRows.all(project);
    else {
      rows = s.nearPrefixRows.all(project, JSON.stringify(near.prefixes));
      if (near.under.length) {
        const seen = new Set((rows as string[][]).map((r) => `${r[3]}\u0000${r[0]}`));
        for (const row of s.nearUnderRows.all(JSON.stringify(near.under), project) as string[][])
          if (!seen.has(`${row[3]}\u0000${row[0]}`)) rows.push(row);
      }
      // By task, creation, pattern: the order every store answers in.
      (rows as Array<[string, string, string, string, number]>).sort((a, b) =>
        a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : a[4] - b[4] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
      );
    }
    const out: FileHolding[] = (rows as Array<[string, 'exclusive' | 'shared', string, string, number]>).map(
      ([pattern, mode, worker, taskId, since]) => ({ pattern, mode, worker, taskId, since, kind: 'reservation' }),
    );
    for (const task of s.declared.all(project)) {
      const since = task.started_at ?? task.updated_at;
      for (const pattern of JSON.parse(task.files) as string[])
        out.push({ pattern, mode: 'exclusive', worker: task.worker, taskId: task.id, since, kind: 'declared' });
    }
    return out;
  };

  return {
    holdings,
    taskReservations(project: string, taskIds: readonly string[]): Reservation[] {
      if (taskIds.length === 1) return s.ofTask.all(project, taskIds[0] as string).map(reservationFromRow);
      return taskIds.length ? s.ofTasks.all(project, JSON.stringify(taskIds)).map(reservationFromRow) : [];
    },
    holdingsVersions(project: string, workers: readonly string[]): Map<string, number> {
      return new Map(s.versions.all(project, JSON.stringify(workers)) as Array<[string, number]>);
    },
    /** Writes a change's reservations and holdings versions (after its task rows: a project's deletion first). */
    persist(change: Change): void {
      if (change.deleteProject !== null) {
        s.deleteProject.run(change.deleteProject);
        s.forgetVersions.run(change.deleteProject);
      }
      for (const { project, worker } of change.bumpHoldings) s.bump.run(project, worker);
      for (const { project, taskId, patterns } of change.deleteReservations) {
        if (patterns === null) s.deleteTask.run(project, taskId);
        else for (const pattern of patterns) s.deleteOne.run(project, taskId, pattern);
      }
      for (const r of change.insertReservations) s.put.run({ ...r, base: patternBase(r.pattern) });
    },
    list(project: string, worker: string | null, taskId: string | null): Reservation[] {
      const rows =
        taskId !== null
          ? s.ofTask.all(project, taskId).filter((r) => worker === null || r.worker === worker)
          : worker !== null
            ? s.ofWorker.all(project, worker)
            : s.ofProject.all(project);
      const out = rows.map(reservationFromRow);
      return out.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : compareReservations(a, b)));
    },
  };
}
