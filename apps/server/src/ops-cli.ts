// Operator commands of task-coordinator-server: import-plan, backup, restore, export, import. They open the database directly.
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DomainError, readBoard, writeBoard, type Store } from '@task-coordinator/core';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { backupSqliteFile, openSqliteStore, restoreSqliteFile } from '@task-coordinator/store-sqlite';
import { DEFAULTS } from './config.js';
import { progressBar } from './ops/progress.js';
import { loadPlan } from './plans/plan-file.js';

export const OPS_HELP = `Operator commands:
  task-coordinator-server import-plan <file.yaml|file.json> [--prefix <p>] [--param name=value]…
                          [--project <name>] [--dry-run]
      Adds every task of a plan (or a template, instantiated under --prefix) atomically.

  task-coordinator-server backup <file> [--db <file>]
      An online, consistent copy of the SQLite database while the server runs (SQLite backup API),
      integrity-checked before it is kept. Refuses to overwrite <file>.

  task-coordinator-server restore <file> [--db <file>]
      Replaces the database with a backup after checking the backup's integrity. Refuses while any
      process (a running server) has the database open; the replaced file is kept beside it.

  task-coordinator-server export [--format jsonl] [<file>]
      Writes the whole board (every project's tasks, held slots, file reservations and the event log) as JSON Lines,
      to <file> or standard output. Store-neutral: SQLite and PostgreSQL read and write the same.

  task-coordinator-server import <file>
      Loads an export into an empty database (a new SQLite file, or a new PostgreSQL schema), with
      ids, statuses and event seqs as they were.

  Each command takes the store options of the server: --db <file> [TC_DB], --database-url <url>
  [DATABASE_URL], --database-schema <name> [TC_DATABASE_SCHEMA].
`;

const STORE_OPTIONS = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
  'database-schema': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class OpsError extends Error {
  override readonly name = 'OpsError';
}

export interface OpsIo {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where backup, export and import draw their progress bars (stderr on a terminal); none when absent. */
  progress?: NodeJS.WritableStream | null;
}

function storeTarget(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const pick = (flag: string, variable: string) =>
    typeof values[flag] === 'string' ? (values[flag] as string) : env[variable] || undefined;
  return {
    db: pick('db', 'TC_DB') ?? DEFAULTS.db,
    databaseUrl: pick('database-url', 'DATABASE_URL') ?? null,
    schema: pick('database-schema', 'TC_DATABASE_SCHEMA') ?? DEFAULTS.databaseSchema,
  };
}

async function openStore(target: ReturnType<typeof storeTarget>): Promise<Store> {
  return target.databaseUrl !== null
    ? openPostgresStore({ connectionString: target.databaseUrl, schema: target.schema })
    : openSqliteStore({ file: target.db });
}

function parse<O extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: true, options: { ...STORE_OPTIONS, ...options } });
  } catch (error) {
    throw new OpsError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
}

/** A DomainError as an operator reads it: the message, then each issue with its line. */
export function describeError(error: DomainError): string {
  const issues =
    (error.details?.issues as Array<{ path: string; line?: number | null; message: string }> | undefined) ?? [];
  const lines = [`${error.code}: ${error.message}`];
  if (issues.length > 1)
    for (const issue of issues)
      lines.push(`  ${issue.path}${issue.line ? ` (line ${issue.line})` : ''}: ${issue.message}`);
  return lines.join('\n');
}

async function importPlan(argv: string[], io: OpsIo): Promise<void> {
  const { values, positionals } = parse(argv, {
    prefix: { type: 'string' },
    param: { type: 'string', multiple: true },
    project: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (values.help) return io.out(OPS_HELP);
  if (positionals.length !== 1) throw new OpsError('import-plan takes one plan file');
  const file = positionals[0] as string;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OpsError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parameters: Record<string, string> = {};
  for (const pair of (values.param as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new OpsError(`--param ${pair}: use name=value`);
    parameters[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const store = await openStore(storeTarget(values, io.env));
  try {
    const result = await loadPlan(store, {
      plan: text,
      parameters,
      ...(typeof values.prefix === 'string' ? { prefix: values.prefix } : {}),
      ...(typeof values.project === 'string' ? { project: values.project } : {}),
      dryRun: values['dry-run'] === true,
    });
    const title = `${result.name ?? file}: ${result.tasks.length} tasks, ${result.edges.length} dependencies, project ${result.project}`;
    if (result.dryRun) {
      io.out(`${title} (dry run: nothing added)\n`);
      for (const task of result.tasks)
        io.out(`  ${task.id}${task.dependencies?.length ? ` ← ${task.dependencies.join(', ')}` : ''}\n`);
    } else {
      io.out(
        `${title}: added ${result.created.length}${result.created.length < result.tasks.length ? `, ${result.tasks.length - result.created.length} already there unchanged` : ''}\n`,
      );
    }
  } finally {
    await store.close();
  }
}

function sqliteOnly(target: ReturnType<typeof storeTarget>, what: string): string {
  if (target.databaseUrl !== null)
    throw new OpsError(`${what} works on SQLite files; for PostgreSQL use pg_dump, or export --format jsonl`);
  return target.db;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function backup(argv: string[], io: OpsIo): Promise<void> {
  const { values, positionals } = parse(argv, {});
  if (values.help) return io.out(OPS_HELP);
  if (positionals.length !== 1) throw new OpsError('backup takes one destination file');
  const source = sqliteOnly(storeTarget(values, io.env), 'backup');
  const bar = progressBar(io.progress ?? null, 'backup', 0, 'pages');
  let result;
  try {
    result = await backupSqliteFile(source, positionals[0] as string, {
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    bar.stop();
  }
  io.out(
    `backed up ${source} to ${result.file}: ${result.tasks} tasks, ${result.events} events (last seq ${result.lastSeq}), ${mb(result.bytes)}, integrity ${result.integrity}, ${result.ms} ms\n`,
  );
}

async function restore(argv: string[], io: OpsIo): Promise<void> {
  const { values, positionals } = parse(argv, {});
  if (values.help) return io.out(OPS_HELP);
  if (positionals.length !== 1) throw new OpsError('restore takes one backup file');
  const target = sqliteOnly(storeTarget(values, io.env), 'restore');
  const result = await restoreSqliteFile(positionals[0] as string, target);
  io.out(
    `restored ${positionals[0]} to ${result.file}: ${result.tasks} tasks, ${result.events} events (last seq ${result.lastSeq}), integrity ${result.integrity}, ${result.ms} ms` +
      `${result.previous ? `; the replaced database is kept as ${result.previous}` : ''}\n`,
  );
}

/** Writes `text`, waiting when the stream is full. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function exportBoard(argv: string[], io: OpsIo): Promise<void> {
  const { values, positionals } = parse(argv, { format: { type: 'string' } });
  if (values.help) return io.out(OPS_HELP);
  if ((values.format ?? 'jsonl') !== 'jsonl')
    throw new OpsError(`--format ${String(values.format)}: only jsonl is supported`);
  if (positionals.length > 1) throw new OpsError('export takes at most one output file');
  const file = positionals[0];
  if (file !== undefined && existsSync(file)) throw new OpsError(`refusing to overwrite ${file}: choose a new file`);
  const store = await openStore(storeTarget(values, io.env));
  const started = Date.now();
  let lines = 0;
  // Records to come: every task and every event of every project (slots are few), known before the first is read.
  const overview = await store.overview();
  let expected = (await store.stats()).lastSeq;
  for (const { project } of overview) expected += (await store.stats({ project })).total;
  const bar = progressBar(io.progress ?? null, 'export', expected, 'records');
  try {
    const out = file === undefined ? null : createWriteStream(file, { flags: 'wx' });
    let buffer = '';
    for await (const record of readBoard(store, Date.now())) {
      buffer += `${JSON.stringify(record)}\n`;
      lines++;
      if (lines % 1000 === 0) bar.update(Math.min(lines, expected));
      if (buffer.length > 1 << 20) {
        if (out) await write(out, buffer);
        else io.out(buffer);
        buffer = '';
      }
    }
    bar.update(expected);
    bar.stop();
    if (out) {
      await write(out, buffer);
      out.end();
      await once(out, 'close');
      process.stderr.write(`exported ${lines - 1} records to ${file} in ${Date.now() - started} ms\n`);
    } else io.out(buffer);
  } finally {
    bar.stop();
    await store.close();
  }
}

async function* jsonLines(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<unknown> {
  const input = createReadStream(file, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (onBytes && n % 1000 === 0) onBytes(input.bytesRead);
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      throw new DomainError('VALIDATION_FAILED', `${file} line ${n} is not JSON`);
    }
  }
}

async function importBoard(argv: string[], io: OpsIo): Promise<void> {
  const { values, positionals } = parse(argv, {});
  if (values.help) return io.out(OPS_HELP);
  if (positionals.length !== 1) throw new OpsError('import takes one export file');
  const file = positionals[0] as string;
  if (!existsSync(file)) throw new OpsError(`cannot read ${file}: no such file`);
  const started = Date.now();
  const store = await openStore(storeTarget(values, io.env));
  try {
    // Every record is checked before the first is written: a bad line leaves the target empty.
    const size = statSync(file).size;
    const bar = progressBar(io.progress ?? null, 'import', 2 * size, 'bytes (checked, then written)');
    let counts;
    try {
      await writeBoard(
        store,
        jsonLines(file, (bytes) => bar.update(bytes)),
        { checkOnly: true },
      );
      counts = await writeBoard(
        store,
        jsonLines(file, (bytes) => bar.update(size + bytes)),
      );
      bar.update(2 * size);
    } finally {
      bar.stop();
    }
    io.out(
      `imported ${counts.tasks} tasks, ${counts.slots} held slots, ${counts.reservations} file reservations and ${counts.events} events into the ${store.kind} store in ${Date.now() - started} ms\n`,
    );
  } finally {
    await store.close();
  }
}

const COMMANDS: Record<string, (argv: string[], io: OpsIo) => Promise<void>> = {
  export: exportBoard,
  import: importBoard,
  'import-plan': importPlan,
  backup,
  restore,
};

/** Runs an operator command; returns false when argv does not start with one. */
export async function runOpsCommand(argv: string[], io: OpsIo): Promise<boolean> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) return false;
  await command(argv.slice(1), io);
  return true;
}
