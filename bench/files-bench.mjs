// File reservations benchmark (issue 13): claim-next p50 on a board of 10,000 available tasks that
// declare files, with 1,000 live reservations held by 50 other workers (about one task in ten
// conflicting with them, so claim-next passes some over), against the same board with no files
// and no reservations. Target: within 2x. SQLite without fsync (synchronous=NORMAL: the CPU cost,
// where the difference shows), the memory store, and PostgreSQL when it answers (TC_TEST_DATABASE_URL
// or DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a fresh schema per board, dropped after).
// Run with `npm run bench` (builds first) or `node bench/files-bench.mjs [--quick]`; writes bench/results/files.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryStore } from '@task-coordinator/core';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tc-files-bench-'));
const quick = process.argv.includes('--quick');
const TASKS = 10_000;
const HOLDERS = 50;
const PER_HOLDER = 20; // 50 × 20 = 1,000 reservations
const samples = quick ? 300 : 1500;
let files = 0;
const url = process.env.TC_TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const suffix = Math.random().toString(36).slice(2, 8);
const schemas = [];
let admin = new pg.Client({ connectionString: url });
try {
  await admin.connect();
} catch (error) {
  console.log(`PostgreSQL skipped: cannot connect to ${url} (${error.message})`);
  admin = null;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function open(kind) {
  const config = { slots: HOLDERS + 8 };
  if (kind === 'memory') return createMemoryStore({ config });
  if (kind === 'postgres') {
    const schema = `tc_files_bench_${suffix}_${++files}`;
    schemas.push(schema);
    return openPostgresStore({ connectionString: url, schema, config });
  }
  return openSqliteStore({ file: join(dir, `files-${++files}.db`), synchronous: 'NORMAL', config });
}

/** The board: TASKS available tasks (+ samples), declaring files or not, and the holders' reservations. */
async function board(kind, withFiles) {
  const store = await open(kind);
  const total = TASKS + samples;
  for (let i = 0; i < total; i += 1000) {
    const n = Math.min(1000, total - i);
    await store.addTasks({
      tasks: Array.from({ length: n }, (_, j) => {
        const k = i + j;
        // One task in ten touches a directory a holder reserved; the others their own package.
        const files =
          k % 10 === 3
            ? [`held${k % HOLDERS}/d${k % PER_HOLDER}/f${k}.ts`]
            : [`pkg${k % 500}/src/f${k}.ts`, `pkg${k % 500}/test/f${k}.test.ts`];
        return { id: `t-${k}`, description: `task ${k}`, ...(withFiles ? { files } : {}) };
      }),
    });
  }
  // The holders: each claims a task of its own (top priority) and reserves PER_HOLDER directories.
  await store.addTasks({
    tasks: Array.from({ length: HOLDERS }, (_, h) => ({ id: `hold-${h}`, description: 'held', priority: 10 })),
  });
  for (let h = 0; h < HOLDERS; h++) {
    const claim = await store.claimNextTask({ workerId: `holder-${h}` });
    if (withFiles)
      await store.reserveFiles({
        taskId: claim.task.id,
        workerId: `holder-${h}`,
        patterns: Array.from({ length: PER_HOLDER }, (_, d) => `held${h}/d${d}/**`),
      });
  }
  return store;
}

async function latency(kind, withFiles) {
  const store = await board(kind, withFiles);
  if (withFiles && (await store.listReservations()).reservations.length !== HOLDERS * PER_HOLDER)
    throw new Error('the reservations were not all taken');
  const times = [];
  let skipped = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const got = await store.claimNextTask({ workerId: 'solo' });
    times.push(performance.now() - t0);
    if (withFiles && Number(got.task.id.slice(2)) % 10 === 3)
      throw new Error(`claim-next handed out ${got.task.id}, whose files are held`);
    if (withFiles && Number(got.task.id.slice(2)) > i) skipped = Number(got.task.id.slice(2)) - i;
    await store.completeTask({ taskId: got.task.id, workerId: 'solo' });
  }
  await store.close();
  times.sort((a, b) => a - b);
  return { p50: +percentile(times, 50).toFixed(4), p99: +percentile(times, 99).toFixed(4), skipped };
}

const results = { at: new Date().toISOString(), quick, tasks: TASKS, reservations: HOLDERS * PER_HOLDER, samples };
console.log(`${'metric'.padEnd(70)} ${'value'.padStart(16)}  target`);
for (const kind of admin ? ['sqlite', 'memory', 'postgres'] : ['sqlite', 'memory']) {
  const none = await latency(kind, false);
  const held = await latency(kind, true);
  const ratio = +(held.p50 / none.p50).toFixed(2);
  results[kind] = { none, held, p50Ratio: ratio };
  console.log(
    `${`claim-next p50 / p99, no files (ms, ${kind})`.padEnd(70)} ${`${none.p50} / ${none.p99}`.padStart(16)}`,
  );
  console.log(
    `${`claim-next p50 / p99, 10k tasks with files, 1k reservations (ms, ${kind})`.padEnd(70)} ${`${held.p50} / ${held.p99}`.padStart(16)}`,
  );
  console.log(`${`claim-next p50 ratio files : none (${kind})`.padEnd(70)} ${String(ratio).padStart(16)}  <= 2`);
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'files.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${join('bench', 'results', 'files.json')}`);
rmSync(dir, { recursive: true, force: true });
if (admin) {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
