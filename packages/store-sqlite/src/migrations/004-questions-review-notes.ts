// Migration 4: statuses `waiting` and `review`, the review gate, progress, question, answer and notes.
//
// SQLite cannot change a CHECK constraint in place, so the tasks table is rebuilt (the documented
// create-copy-drop-rename sequence, inside the migration's transaction). The rebuild reads the
// table's own definition and columns, so columns other migrations added are kept whatever their
// order. The held-task indexes are recreated with `waiting` among the active statuses, so every
// held-task query keeps using them.
import type Database from 'better-sqlite3';
import { ACTIVE_STATUSES_SQL, TASK_STATUSES } from '@task-coordinator/core';

export const name = 'questions, review gate and notes';

const STATUSES = TASK_STATUSES.map((s) => `'${s}'`).join(',');

const NEW_COLUMNS = `
ALTER TABLE tasks ADD COLUMN review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN progress TEXT;
ALTER TABLE tasks ADD COLUMN question TEXT;
ALTER TABLE tasks ADD COLUMN answer TEXT;
ALTER TABLE tasks ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
-- The Needs-you list: a project's tasks waiting on a person.
CREATE INDEX tasks_needing_people ON tasks (project, ord) WHERE status IN ('waiting','review');
`;

export function run(db: Database.Database): void {
  const schema = (type: string) =>
    db
      .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = ? AND tbl_name = 'tasks' AND sql IS NOT NULL`)
      .all(type) as Array<{ name: string; sql: string }>;
  const [table] = schema('table');
  if (!table) throw new Error('migration 4: no tasks table');
  const indexes = schema('index');
  const columns = (db.pragma('table_info(tasks)') as Array<{ name: string }>).map((c) => `"${c.name}"`).join(', ');
  const created = table.sql
    .replace(/^CREATE TABLE\s+("tasks"|tasks)/i, 'CREATE TABLE tasks_new')
    .replace(/CHECK\s*\(\s*status IN \([^)]*\)\s*\)/i, `CHECK (status IN (${STATUSES}))`);
  if (!created.includes(`'waiting'`)) throw new Error('migration 4: the status CHECK of tasks was not found');
  db.exec(created);
  db.exec(`INSERT INTO tasks_new (${columns}) SELECT ${columns} FROM tasks`);
  db.exec('DROP TABLE tasks');
  db.exec('ALTER TABLE tasks_new RENAME TO tasks');
  for (const index of indexes) {
    db.exec(index.sql.replace(/status IN \('claimed',\s*'working'\)/g, `status IN (${ACTIVE_STATUSES_SQL})`));
  }
  db.exec(NEW_COLUMNS);
}
