// Migration 7: holdings versions (core Change.bumpHoldings), so claim-next can skip the tasks it
// knows to be blocked while nothing they wait for was let go (core rules/claim-hints.ts).
export const name = 'holdings versions';

export const sql = `
-- worker '' is "some task's declared files changed"; a row not stored is version 0.
CREATE TABLE holdings_versions (
  project TEXT    NOT NULL,
  worker  TEXT    NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (project, worker)
) WITHOUT ROWID;
`;
