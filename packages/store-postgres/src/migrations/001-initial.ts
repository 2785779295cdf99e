// Migration 1: tasks, dependency edges, slots and events, with the indexes every hot path uses.
import { NO_DEADLINE_KEY } from '@task-coordinator/core';

export const name = 'initial schema';

export const sql = `
CREATE TABLE tasks (
  -- Creation order: claim order's last tie-break, and the list cursor.
  ord               BIGSERIAL PRIMARY KEY,
  project           TEXT    NOT NULL,
  id                TEXT    NOT NULL,
  description       TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('blocked','available','claimed','working','done','failed','cancelled')),
  priority          INTEGER NOT NULL,
  labels            JSONB   NOT NULL DEFAULT '[]',
  deadline          BIGINT,
  -- deadline, or ${NO_DEADLINE_KEY} when there is none, so "no deadline" sorts last in the index.
  deadline_key      BIGINT  NOT NULL,
  output            TEXT,
  error             TEXT,
  worker            TEXT,
  slot              INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  lease_expires_at  BIGINT,
  created_at        BIGINT  NOT NULL,
  started_at        BIGINT,
  completed_at      BIGINT,
  updated_at        BIGINT  NOT NULL,
  version           INTEGER NOT NULL,
  UNIQUE (project, id)
);

-- The ready set in claim order: claim-next takes the first unlocked entry (FOR UPDATE SKIP LOCKED).
CREATE INDEX tasks_ready ON tasks (project, priority DESC, deadline_key, ord) WHERE status = 'available';
CREATE INDEX tasks_held_by_worker ON tasks (project, worker) WHERE status IN ('claimed','working');
CREATE INDEX tasks_held_by_lease ON tasks (lease_expires_at) WHERE status IN ('claimed','working');
CREATE INDEX tasks_by_project ON tasks (project, ord);

CREATE TABLE task_dependencies (
  project     TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  depends_on  TEXT NOT NULL,
  PRIMARY KEY (project, task_id, depends_on)
);
CREATE INDEX task_dependents ON task_dependencies (project, depends_on, task_id);

-- A row per held slot; a slot without a row is free. Global across replicas.
CREATE TABLE slots (
  project           TEXT    NOT NULL,
  slot              INTEGER NOT NULL,
  worker            TEXT,
  task_id           TEXT,
  lease_expires_at  BIGINT  NOT NULL,
  claimed_at        BIGINT  NOT NULL,
  last_seen_at      BIGINT  NOT NULL,
  PRIMARY KEY (project, slot)
);
CREATE INDEX slots_by_worker ON slots (project, worker);
CREATE INDEX slots_by_lease ON slots (lease_expires_at);

CREATE TABLE events (
  seq        BIGSERIAL PRIMARY KEY,
  at         BIGINT  NOT NULL,
  type       TEXT    NOT NULL,
  project    TEXT    NOT NULL,
  task_id    TEXT,
  worker_id  TEXT,
  slot       INTEGER,
  data       JSONB   NOT NULL
);
CREATE INDEX events_by_task ON events (project, task_id, seq) WHERE task_id IS NOT NULL;
CREATE INDEX events_by_project ON events (project, seq);
`;
