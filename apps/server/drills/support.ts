// What every drill needs: the server as a real process, a byte-for-byte dump of its SQLite file,
// the invariants a board must keep, and a bounded wait. No vitest here: drills also run as scripts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVER_CLI = join(here, '..', 'src', 'cli.ts');
export const MCP_CLI = join(here, '..', '..', 'mcp', 'src', 'cli.ts');
/** Child processes run the TypeScript sources, as the tests do. */
export const SOURCE_ARGS = ['--conditions=@task-coordinator/source', '--import', 'tsx'];

/** The original server's endpoints, with their methods (DESIGN.md "The original endpoints stay"). */
export const LEGACY_ROUTES = [
  ['POST', '/api/claim-worker-slot'],
  ['POST', '/api/release-worker-slot'],
  ['GET', '/api/available-tasks'],
  ['POST', '/api/claim-task'],
  ['POST', '/api/update-task'],
  ['POST', '/api/add-task'],
  ['GET', '/api/all-tasks'],
  ['GET', '/api/workers'],
  ['POST', '/api/reset-failed-task'],
  ['POST', '/api/clean-all-tasks'],
] as const;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  stepMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  output: () => string;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close), and wait. */
  stop(): Promise<void>;
}

/** Runs `task-coordinator-server` (from source) with `args` on a free port; resolves once it listens. */
export async function spawnServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...SOURCE_ARGS, SERVER_CLI, '--port', '0', '--dashboard-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '', DASHBOARD_PORT: '', TC_TOKEN: '', TC_TOKENS: '', ...env },
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const url = await until(
    'the server to listen',
    () => {
      const match = /API\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(out);
      if (match) return match[1] as string;
      if (gone()) throw new Error(`server exited: ${out}`);
      return null;
    },
    60_000,
  );
  return {
    child,
    url,
    pid: child.pid as number,
    output: () => out,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of a process in bytes (Linux /proc), or null where unavailable. */
export function rssOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The whole SQLite database as SQL text: the schema, then every row of every table in primary-key
 * order, nothing excluded. Two equal dumps mean equal databases, byte for byte in content.
 */
export function dumpSqlite(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const objects = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all() as Array<{
      type: string;
      name: string;
      sql: string | null;
    }>;
    const lines: string[] = [];
    for (const object of objects) {
      lines.push(`${object.sql ?? `-- ${object.type} ${object.name}`};`);
      if (object.type !== 'table') continue;
      const quoted = `"${object.name.replaceAll('"', '""')}"`;
      // rowid tables in rowid order, WITHOUT ROWID tables in primary-key order (their natural scan).
      const withoutRowid = /WITHOUT ROWID/i.test(object.sql ?? '');
      const rows = db
        .prepare(`SELECT * FROM ${quoted}${withoutRowid ? '' : ' ORDER BY rowid'}`)
        .raw()
        .all() as unknown[][];
      for (const row of rows) lines.push(`INSERT INTO ${quoted} VALUES(${row.map(sqlValue).join(',')});`);
    }
    lines.push(`-- user_version ${String(db.pragma('user_version', { simple: true }))}`);
    return lines.join('\n');
  } finally {
    db.close();
  }
}

/** The rows one dump has and the other lacks, a few of each: what a violation report shows. */
export function dumpDiff(before: string, after: string, limit = 6): string {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  const gone = [...was].filter((line) => !now.has(line)).slice(0, limit);
  const added = [...now].filter((line) => !was.has(line)).slice(0, limit);
  return [...gone.map((line) => `- ${line.slice(0, 300)}`), ...added.map((line) => `+ ${line.slice(0, 300)}`)].join(
    '\n',
  );
}

function sqlValue(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** What a board must never show, whatever happened to the server. */
export interface BoardCheck {
  /** `PRAGMA integrity_check` (SQLite) — "ok", or what it found. */
  integrity: string;
  tasks: number;
  byStatus: Record<string, number>;
  /** Tasks that more than one slot row says it holds. */
  heldTwice: string[];
  /** Active tasks whose slot row names another task or worker (or none). */
  holderMismatch: string[];
  /** Tasks with more than one task.completed event. */
  completedTwice: string[];
  /** task.expired events so far: claims that ran out of lease. */
  expired: number;
  /** id → status, for checking acknowledged completions. */
  status: Map<string, string>;
}

const HELD_TWICE = `SELECT task_id FROM slots WHERE task_id IS NOT NULL GROUP BY project, task_id HAVING count(*) > 1`;
const HOLDER_MISMATCH = `SELECT t.id FROM tasks t LEFT JOIN slots s ON s.project = t.project AND s.slot = t.slot
  WHERE t.status IN ('claimed','working') AND (s.task_id IS NULL OR s.task_id <> t.id OR s.worker IS DISTINCT FROM t.worker)`;
const EXPIRED = `SELECT count(*) FROM events WHERE type = 'task.expired'`;
const COMPLETED_TWICE = `SELECT task_id FROM events WHERE type = 'task.completed' GROUP BY project, task_id HAVING count(*) > 1`;

/** Reads a SQLite file (no server running) and checks it. */
export function checkSqlite(file: string): BoardCheck {
  const db = new Database(file, { fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((r) => r.integrity_check)
      .join('; ');
    const rows = db.prepare('SELECT id, status FROM tasks').all() as Array<{ id: string; status: string }>;
    const column = (sql: string) => (db.prepare(sql).raw().all() as unknown[][]).map((r) => String(r[0]));
    return board(
      integrity,
      rows,
      column(HELD_TWICE),
      column(HOLDER_MISMATCH.replace('IS DISTINCT FROM', 'IS NOT')),
      column(COMPLETED_TWICE),
      Number(column(EXPIRED)[0]),
    );
  } finally {
    db.close();
  }
}

/** The same checks on a PostgreSQL schema. */
export async function checkPostgres(url: string, schema: string): Promise<BoardCheck> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    const rows = (await client.query<{ id: string; status: string }>('SELECT id, status FROM tasks')).rows;
    const column = async (sql: string) =>
      (await client.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => String(r[0]));
    return board(
      'ok',
      rows,
      await column(HELD_TWICE),
      await column(HOLDER_MISMATCH),
      await column(COMPLETED_TWICE),
      Number((await column(EXPIRED))[0]),
    );
  } finally {
    await client.end();
  }
}

function board(
  integrity: string,
  rows: Array<{ id: string; status: string }>,
  heldTwice: string[],
  holderMismatch: string[],
  completedTwice: string[],
  expired: number,
): BoardCheck {
  const byStatus: Record<string, number> = {};
  const status = new Map<string, string>();
  for (const row of rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    status.set(row.id, row.status);
  }
  return { integrity, tasks: rows.length, byStatus, heldTwice, holderMismatch, completedTwice, expired, status };
}

/** A JSON request to a server; a connection failure is `{status: 0}` (the server is down). */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  } catch {
    return { status: 0, body: null };
  }
}

/** Drops a PostgreSQL schema and everything in it (a drill's own schema, when it is done). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
