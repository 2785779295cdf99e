// Migration 7: webhook delivery cursors and the dispatch lease (see core rules/webhooks.ts).
export const name = 'webhook cursors and dispatch lease';

export const sql = `
-- Per webhook: every event up to seq was acknowledged by its receiver (or not wanted by its filter).
CREATE TABLE webhook_cursors (
  webhook    TEXT   PRIMARY KEY,
  seq        BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- The one replica delivering webhooks, until expires_at. The row always exists, so takers lock it.
CREATE TABLE webhook_lease (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  owner      TEXT    NOT NULL,
  expires_at BIGINT  NOT NULL
);
INSERT INTO webhook_lease (id, owner, expires_at) VALUES (1, '', 0);
`;
