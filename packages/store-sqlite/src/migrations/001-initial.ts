// Migration 1: tasks, dependency edges, slots and events, with the indexes every hot path uses.
import { NO_DEADLINE_KEY } from '@task-coordinator/core';

export const name = 'initial schema';

export const sql = `
CREATE TABLE tasks (
  -- Creation order: claim order's last tie-break, and the list cursor.
  ord               INTEGER PRIMARY KEY AUTOINCREMENT,
  project           TEXT    NOT NULL,
  id                TEXT    NOT NULL,
  description       TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('blocked','available','claimed','working','done','failed','cancelled')),
  priority          INTEGER NOT NULL,
  labels            TEXT    NOT NULL DEFAULT '[]',
  deadline          INTEGER,
  -- deadline, or ${NO_DEADLINE_KEY} when there is none, so "no deadline" sorts last in the index.
  deadline_key      INTEGER NOT NULL,
  output            TEXT,
  error             TEXT,
  worker            TEXT,
  slot              INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  lease_expires_at  INTEGER,
  created_at        INTEGER NOT NULL,
  started_at        INTEGER,
  completed_at      INTEGER,
  updated_at        INTEGER NOT NULL,
  version           INTEGER NOT NULL,
  UNIQUE (project, id)
);

-- The ready set in claim order: claim-next reads the first entry, O(log n) however large the board.
CREATE INDEX tasks_ready ON tasks (project, priority DESC, deadline_key, ord) WHERE status = 'available';
-- Held tasks by worker (heartbeat, listing) and by lease end (the sweeper).
CREATE INDEX tasks_held_by_worker ON tasks (project, worker) WHERE status IN ('claimed','working');
CREATE INDEX tasks_held_by_lease ON tasks (lease_expires_at) WHERE status IN ('claimed','working');
-- Listing a project's board in creation order.
CREATE INDEX tasks_by_project ON tasks (project, ord);

CREATE TABLE task_dependencies (
  project     TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  depends_on  TEXT NOT NULL,
  PRIMARY KEY (project, task_id, depends_on)
) WITHOUT ROWID;
-- Dependents of a task: what completing it may unblock.
CREATE INDEX task_dependents ON task_dependencies (project, depends_on, task_id);

-- A row per held slot; a slot without a row is free.
CREATE TABLE slots (
  project           TEXT    NOT NULL,
  slot              INTEGER NOT NULL,
  worker            TEXT,
  task_id           TEXT,
  lease_expires_at  INTEGER NOT NULL,
  claimed_at        INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL,
  PRIMARY KEY (project, slot)
) WITHOUT ROWID;
CREATE INDEX slots_by_worker ON slots (project, worker);
CREATE INDEX slots_by_lease ON slots (lease_expires_at);

CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  type       TEXT    NOT NULL,
  project    TEXT    NOT NULL,
  task_id    TEXT,
  worker_id  TEXT,
  slot       INTEGER,
  data       TEXT    NOT NULL
);
CREATE INDEX events_by_task ON events (project, task_id, seq) WHERE task_id IS NOT NULL;
CREATE INDEX events_by_project ON events (project, seq);
`;
