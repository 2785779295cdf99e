// Store benchmark: add rates, durable claim-next→complete cycles/s, claim-next latency on 1k vs 100k boards.
// Run with `npm run bench` (builds first). Prints a table and writes bench/results/store.json.
// Figures are ratios and rates within one run on a shared machine: compare rows, not runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '@task-coordinator/store-sqlite';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tc-bench-'));
let files = 0;
const quick = process.argv.includes('--quick');
const scale = quick ? 0.2 : 1;

async function open(options = {}) {
  return openSqliteStore({ file: join(dir, `bench-${++files}.db`), config: { slots: 256 }, ...options });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rate = (count, ms) => Math.round((count / ms) * 1000);

async function batchTasks(store, count, prefix, size = 1000) {
  for (let i = 0; i < count; i += size) {
    const n = Math.min(size, count - i);
    await store.addTasks({
      tasks: Array.from({ length: n }, (_, j) => ({
        id: `${prefix}-${i + j}`,
        description: `benchmark task ${i + j}`,
      })),
    });
  }
}

async function addSingleSequential(n) {
  const store = await open();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await store.addTask({ id: `s-${i}`, description: 'single add' });
  const ms = performance.now() - t0;
  await store.close();
  return rate(n, ms);
}

async function addSingleConcurrent(n, inFlight) {
  const store = await open();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const i = next++;
        await store.addTask({ id: `c-${i}`, description: 'single add' });
      }
    }),
  );
  const ms = performance.now() - t0;
  await store.close();
  return rate(n, ms);
}

async function addBatches(total) {
  const store = await open();
  const t0 = performance.now();
  await batchTasks(store, total, 'b');
  const ms = performance.now() - t0;
  await store.close();
  return rate(total, ms);
}

/** `workers` concurrent in-process workers doing claim-next → complete until the board is empty. */
async function cycles(total, workers, synchronous = 'FULL') {
  const store = await open({ synchronous });
  await batchTasks(store, total, 'cy');
  const before = { ...store.database.stats };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const workerId = `w${w}`;
      for (;;) {
        const got = await store.claimNextTask({ workerId });
        if (!got) return;
        await store.completeTask({ taskId: got.task.id, workerId });
      }
    }),
  );
  const ms = performance.now() - t0;
  const commits = store.database.stats.commits - before.commits;
  const commands = store.database.stats.commands - before.commands;
  await store.close();
  return { perSecond: rate(total, ms), commandsPerCommit: +(commands / commits).toFixed(1) };
}

/** claim-next latency, one call at a time, on a board of `size` available tasks. */
async function claimLatency(size, samples, synchronous) {
  const store = await open({ synchronous, config: { slots: 1 } });
  await batchTasks(store, size, 'lat');
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const got = await store.claimNextTask({ workerId: 'solo' });
    times.push(performance.now() - t0);
    await store.completeTask({ taskId: got.task.id, workerId: 'solo' });
  }
  await store.close();
  times.sort((a, b) => a - b);
  return { p50: +percentile(times, 50).toFixed(3), p99: +percentile(times, 99).toFixed(3) };
}

const results = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  at: new Date().toISOString(),
};
const rows = [];
const row = (metric, value, target = '') => {
  rows.push({ metric, value, target });
  console.log(`${metric.padEnd(58)} ${String(value).padStart(12)}  ${target}`);
};

console.log(`${'metric'.padEnd(58)} ${'value'.padStart(12)}  target`);
results.addSingleSequential = await addSingleSequential(Math.round(2000 * scale));
row('add, single, one caller (tasks/s, durable)', results.addSingleSequential);
results.addSingleConcurrent = await addSingleConcurrent(Math.round(20000 * scale), 64);
row('add, single, 64 callers (tasks/s, durable)', results.addSingleConcurrent);
results.addBatch = await addBatches(Math.round(100_000 * scale));
row('add, batches of 1,000 (tasks/s, durable)', results.addBatch, '>= 50,000');

results.cyclesSequential = await cycles(Math.round(5000 * scale), 1);
row('claim-next→complete, 1 worker (cycles/s, durable)', results.cyclesSequential.perSecond);
for (const workers of [16, 64]) {
  const r = await cycles(Math.round(30_000 * scale), workers);
  results[`cycles${workers}`] = r;
  row(`claim-next→complete, ${workers} workers (cycles/s, durable)`, r.perSecond, '>= 5,000');
  row(`  commands per commit (group commit), ${workers} workers`, r.commandsPerCommit);
}

const samples = Math.round(2000 * scale);
for (const synchronous of ['FULL', 'NORMAL']) {
  const small = await claimLatency(1000 + samples, samples, synchronous);
  const large = await claimLatency(100_000 + samples, samples, synchronous);
  const ratio = +(large.p50 / small.p50).toFixed(2);
  results[`claimLatency${synchronous}`] = { board1k: small, board100k: large, p50Ratio: ratio };
  const label = synchronous === 'FULL' ? 'durable' : 'synchronous=NORMAL, no fsync';
  row(`claim-next p50 / p99 on 1k tasks (ms, ${label})`, `${small.p50} / ${small.p99}`);
  row(`claim-next p50 / p99 on 100k tasks (ms, ${label})`, `${large.p50} / ${large.p99}`);
  row(`claim-next p50 ratio 100k : 1k (${label})`, ratio, '<= 1.5');
}

results.rows = rows;
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'store.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${join('bench', 'results', 'store.json')}`);
rmSync(dir, { recursive: true, force: true });
