// Migration 6: statuses `waiting` and `review`, the review gate, progress, question, answer and notes.
// The held-task indexes are rebuilt with `waiting` among the active statuses (HELD in queries.ts
// must match their predicate for the planner to use them).
import { ACTIVE_STATUSES_SQL, TASK_STATUSES } from '@task-coordinator/core';

export const name = 'questions, review gate and notes';

export const sql = `
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN (${TASK_STATUSES.map((s) => `'${s}'`).join(',')}));
ALTER TABLE tasks ADD COLUMN review BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN progress TEXT;
-- The open question while waiting, the last answer, the newest notes (core bounds them).
ALTER TABLE tasks ADD COLUMN question JSONB;
ALTER TABLE tasks ADD COLUMN answer JSONB;
ALTER TABLE tasks ADD COLUMN notes JSONB NOT NULL DEFAULT '[]';
DROP INDEX tasks_held_by_worker;
DROP INDEX tasks_held_by_lease;
CREATE INDEX tasks_held_by_worker ON tasks (project, worker) WHERE status IN (${ACTIVE_STATUSES_SQL});
CREATE INDEX tasks_held_by_lease ON tasks (lease_expires_at) WHERE status IN (${ACTIVE_STATUSES_SQL});
-- The Needs-you list: a project's tasks waiting on a person.
CREATE INDEX tasks_needing_people ON tasks (project, ord) WHERE status IN ('waiting','review');
`;
