// Operations benchmark: backup, restore, export and import of a 100k-task board, timed as an operator runs them (the CLI).
// Run with `npm run bench:ops` (part of `npm run bench`; builds first). Prints a table and writes bench/results/ops.json.
// The board: 100,000 tasks, 20,000 of them claimed and completed (about 160,000 events). Each
// command is a fresh process, so its time includes Node's start (~0.1 s). While the backup runs,
// 16 workers in another process keep claiming and completing, as a live server would.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '@task-coordinator/store-sqlite';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'apps', 'server', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tc-ops-bench-'));
const quick = process.argv.includes('--quick');
const TASKS = quick ? 20_000 : 100_000;
const COMPLETED = TASKS / 5;
const pgUrl = process.env.TC_BENCH_DATABASE_URL ?? process.env.TC_TEST_DATABASE_URL ?? '';

const mb = (file) => +(statSync(file).size / 1024 / 1024).toFixed(1);
function run(args) {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TC_DB: '', DATABASE_URL: '' },
  });
  return { ms: Math.round(performance.now() - t0), out: out.trim() };
}

const results = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  at: new Date().toISOString(),
  tasks: TASKS,
};
const rows = [];
const row = (metric, value) => {
  rows.push({ metric, value });
  console.log(`${metric.padEnd(62)} ${String(value).padStart(12)}`);
};

const db = join(dir, 'board.db');
{
  const store = await openSqliteStore({ file: db, config: { slots: 64 } });
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i += 1000) {
    await store.addTasks({
      tasks: Array.from({ length: 1000 }, (_, j) => ({
        id: `task-${i + j}`,
        description: `benchmark task ${i + j}: some text an agent would read`,
        labels: ['bench'],
      })),
    });
  }
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let n = 0; n < COMPLETED / 16; n++) {
        const claim = await store.claimNextTask({ workerId: `w${w}` });
        await store.completeTask({ taskId: claim.task.id, workerId: `w${w}`, output: 'ok' });
      }
    }),
  );
  const { lastSeq } = await store.stats();
  await store.close();
  results.board = {
    tasks: TASKS,
    completed: COMPLETED,
    events: lastSeq,
    mb: mb(db),
    buildMs: Math.round(performance.now() - t0),
  };
}
console.log(`${'metric'.padEnd(62)} ${'value'.padStart(12)}`);
row(`board: tasks / events / file size (MB)`, `${TASKS} / ${results.board.events} / ${results.board.mb}`);

// Backup while 16 workers keep the database busy from another process.
const load = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `
    import { openSqliteStore } from '@task-coordinator/store-sqlite';
    const store = await openSqliteStore({ file: ${JSON.stringify(db)}, config: { slots: 64 } });
    let stop = false, cycles = 0;
    process.on('message', () => { stop = true; });
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      while (!stop) {
        const claim = await store.claimNextTask({ workerId: 'load-' + w });
        if (!claim) break;
        await store.completeTask({ taskId: claim.task.id, workerId: 'load-' + w });
        cycles++;
      }
    }));
    await store.close();
    process.send(cycles);
  `,
  ],
  { cwd: here, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
await new Promise((resolve) => setTimeout(resolve, 1000));
const backupFile = join(dir, 'board.backup');
const backup = run(['backup', backupFile, '--db', db]);
load.send('stop');
const cycles = await new Promise((resolve) => load.once('message', resolve));
// The IPC channel keeps both processes alive: close it and wait for the load to exit.
const loadExited = new Promise((resolve) => load.once('exit', resolve));
load.disconnect();
await loadExited;
results.backupUnderLoad = { ms: backup.ms, mb: mb(backupFile), loadCycles: cycles, out: backup.out };
row('backup under 16-worker load (ms, CLI)', backup.ms);
row('  load cycles completed during the run', cycles);

const idleBackupFile = join(dir, 'board-idle.backup');
const idle = run(['backup', idleBackupFile, '--db', db]);
results.backupIdle = { ms: idle.ms };
row('backup, idle database (ms, CLI)', idle.ms);

const restoreTarget = join(dir, 'restored.db');
execFileSync('cp', [db, restoreTarget]);
const restore = run(['restore', backupFile, '--db', restoreTarget]);
results.restore = { ms: restore.ms, out: restore.out };
row('restore over an existing database (ms, CLI, integrity-checked)', restore.ms);

const exportFile = join(dir, 'board.jsonl');
const exported = run(['export', '--format', 'jsonl', exportFile, '--db', db]);
results.exportJsonl = { ms: exported.ms, mb: mb(exportFile) };
row('export --format jsonl (ms, CLI)', exported.ms);
row('  export size (MB)', results.exportJsonl.mb);

const imported = run(['import', exportFile, '--db', join(dir, 'imported.db')]);
results.importSqlite = { ms: imported.ms, out: imported.out };
row('import into a new SQLite file (ms, CLI, checked then written)', imported.ms);

if (pgUrl) {
  const schema = `tc_ops_bench_${Date.now()}`;
  const toPg = run(['import', exportFile, '--database-url', pgUrl, '--database-schema', schema]);
  results.importPostgres = { ms: toPg.ms, out: toPg.out };
  row('import into PostgreSQL (ms, CLI, checked then written)', toPg.ms);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

results.rows = rows;
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'ops.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${join('bench', 'results', 'ops.json')}`);
rmSync(dir, { recursive: true, force: true });
