// Migration 5: webhook delivery cursors and the dispatch lease (see core rules/webhooks.ts).
export const name = 'webhook cursors and dispatch lease';

export const sql = `
-- Per webhook: every event up to seq was acknowledged by its receiver (or not wanted by its filter).
CREATE TABLE webhook_cursors (
  webhook    TEXT    PRIMARY KEY,
  seq        INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
-- The one process delivering webhooks, until expires_at (one row at most).
CREATE TABLE webhook_lease (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  owner      TEXT    NOT NULL,
  expires_at INTEGER NOT NULL
);
`;
