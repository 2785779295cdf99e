// The snapshot on a 100,000-task board: what it costs in memory, its first load, a read when nothing
// changed, and a read after one change; beside the store-paging path the original endpoints used
// before (every page listed, every task shaped and serialised on every read).
// Run with `npm run bench` (builds first). Prints a table and writes bench/results/snapshot.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Heap figures need a collection before each reading: run again under --expose-gc.
if (typeof globalThis.gc !== 'function') {
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(result.status ?? 1);
}

const { openSqliteStore } = await import('@task-coordinator/store-sqlite');
const { Snapshots } = await import('../apps/server/dist/snapshot/snapshots.js');
const { toLegacyTask } = await import('../apps/server/dist/routes/legacy-task.js');

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const TASKS = quick ? 20_000 : 100_000;
const dir = mkdtempSync(join(tmpdir(), 'tc-snapshot-bench-'));
const round = (n, digits = 1) => Number(n.toFixed(digits));
const mb = (bytes) => round(bytes / 1024 / 1024);

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const rows = [];
const row = (metric, value, target = '') => {
  rows.push({ metric, value, target });
  console.log(`${metric.padEnd(64)} ${String(value).padStart(14)}  ${target}`);
};

const store = await openSqliteStore({ file: join(dir, 'board.db'), synchronous: 'NORMAL' });
try {
  console.log(`${'metric'.padEnd(64)} ${'value'.padStart(14)}  target`);
  for (let i = 0; i < TASKS; i += 1000) {
    await store.addTasks({
      tasks: Array.from({ length: 1000 }, (_, j) => ({
        id: `task-${i + j}`,
        description: `benchmark task number ${i + j} with a description of ordinary length`,
        ...(i + j >= 1000 && (i + j) % 4 === 0 ? { dependencies: [`task-${i + j - 1000}`] } : {}),
      })),
    });
  }

  // Before: every page from the store, shaped and serialised on every read.
  let t = performance.now();
  const tasks = [];
  let cursor;
  do {
    const page = await store.listTasks({ limit: 1000, ...(cursor ? { cursor } : {}) });
    tasks.push(...page.tasks);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const pagedBody = JSON.stringify({ success: true, tasks: tasks.map(toLegacyTask) });
  const pagedMs = performance.now() - t;
  tasks.length = 0;

  const before = memory();
  const snapshots = new Snapshots(store);
  const board = snapshots.project('default');
  t = performance.now();
  let body = await board.legacyBody('all');
  const firstMs = performance.now() - t;
  const bodyBytes = body.length;
  if (bodyBytes !== Buffer.byteLength(pagedBody)) throw new Error('the snapshot body differs from the paged one');
  body = null; // only the snapshot's own copy is counted below
  const loaded = memory();

  t = performance.now();
  for (let i = 0; i < 100; i++) await board.legacyBody('all');
  const unchangedMs = (performance.now() - t) / 100;

  const { slot } = await store.claimSlot({ workerId: 'w' });
  await store.claimTask({ taskId: 'task-5', workerId: 'w', slot: slot.slot });
  t = performance.now();
  await board.legacyBody('all');
  const changedMs = performance.now() - t;
  await store.completeTask({ taskId: 'task-5', workerId: 'w' });
  t = performance.now();
  await board.legacyBody('available');
  const availableMs = performance.now() - t;
  const both = memory();

  row(`board: ${TASKS.toLocaleString('en')} tasks, GET /api/all-tasks body`, `${mb(bodyBytes)} MB`);
  row('before: every page from the store, shaped and serialised (ms/read)', round(pagedMs));
  row('snapshot: first load (ms, once)', round(firstMs));
  row('snapshot: read, nothing changed (ms)', round(unchangedMs, 3));
  row('snapshot: read after one change (ms: 1 task fetched, body rejoined)', round(changedMs));
  row('snapshot: available-tasks after a complete (ms)', round(availableMs));
  row('snapshot memory: JS heap of the entries (MB)', mb(loaded.heap - before.heap));
  row('snapshot memory: the all-tasks body alone (MB, Buffer)', mb(loaded.external - before.external));
  row('snapshot memory: cached bodies, all + available (MB, Buffers in chunks)', mb(both.external - before.external));
  row('snapshot memory: RSS growth, entries and bodies (MB)', mb(both.rss - before.rss));
  row(
    '  per task, heap + bodies (bytes)',
    Math.round((both.heap - before.heap + both.external - before.external) / TASKS),
  );
  snapshots.close();
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'snapshot.json'),
    `${JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, tasks: TASKS, rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join('bench', 'results', 'snapshot.json')}`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
