// Migration 6: file reservations (issue 13) and the files a task declares.
export const name = 'file reservations and declared task files';

export const sql = `
-- The patterns a task declares it will touch (JSON array, normalised).
ALTER TABLE tasks ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
-- Declared files of held tasks: what a conflict check reads besides the reservations.
CREATE INDEX tasks_held_files ON tasks (project, ord) WHERE status IN ('claimed','working','waiting') AND files <> '[]';
-- A reservation lives while its task is held; the command that ends the hold deletes it.
CREATE TABLE reservations (
  project    TEXT    NOT NULL,
  task_id    TEXT    NOT NULL,
  pattern    TEXT    NOT NULL,
  mode       TEXT    NOT NULL CHECK (mode IN ('exclusive','shared')),
  worker     TEXT    NOT NULL,
  reason     TEXT,
  created_at INTEGER NOT NULL,
  -- The pattern's static prefix (core patternBase): conflict checks read only the prefixes near theirs.
  base       TEXT    NOT NULL,
  PRIMARY KEY (project, task_id, pattern)
) WITHOUT ROWID;
-- By task: the primary key. By worker (list, the guard's lookups):
CREATE INDEX reservations_by_worker ON reservations (project, worker);
CREATE INDEX reservations_by_base ON reservations (project, base);
`;
