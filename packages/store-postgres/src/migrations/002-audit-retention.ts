// Migration 2: indexes for the audit query (events by worker, by time) and for retention (old events, finished tasks).
export const name = 'audit and retention indexes';

export const sql = `
-- GET /api/v1/events?workerId=…: a worker's events in seq order without scanning the log.
CREATE INDEX events_by_worker ON events (worker_id, seq) WHERE worker_id IS NOT NULL;
-- Time-range audit queries, and retention finding the oldest events.
CREATE INDEX events_by_time ON events (at);
-- Retention finding finished tasks by age; only done/cancelled rows are in it, so it stays small
-- on a board that prunes them.
CREATE INDEX tasks_finished ON tasks (updated_at) WHERE status IN ('done','cancelled');
`;
