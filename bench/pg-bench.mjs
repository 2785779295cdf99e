// PostgreSQL benchmark: our store's claim-next→complete rate as a ratio of pg-boss's fetch→complete on the
// same database with the same concurrency; the HTTP workload against one replica and against two; and
// how fast an event crosses replicas. Needs PostgreSQL: TC_TEST_DATABASE_URL or DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test). Prints a table and writes bench/results/pg.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { io } from 'socket.io-client';
import { openPostgresStore } from '@task-coordinator/store-postgres';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const url = process.env.TC_TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const quick = process.argv.includes('--quick');
// --store: only the store-level comparison with pg-boss (no server replicas).
const storeOnly = process.argv.includes('--store');
const JOBS = quick ? 2000 : 6000;
const CONCURRENCY = 16;
const HTTP_WORKERS = 64;
const HTTP_TASKS = quick ? 3000 : 8000;
const suffix = Math.random().toString(36).slice(2, 8);
const schemas = [];
const children = [];
const round = (n, digits = 2) => Number(n.toFixed(digits));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const admin = new pg.Client({ connectionString: url });
try {
  await admin.connect();
} catch (error) {
  console.log(`PostgreSQL benchmark skipped: cannot connect to ${url} (${error.message})`);
  process.exit(0);
}

function schema(name) {
  const full = `tc_bench_${name}_${suffix}`;
  schemas.push(full);
  return full;
}

async function ours() {
  const store = await openPostgresStore({ connectionString: url, schema: schema('store'), poolSize: CONCURRENCY + 4, config: { slots: 100 } });
  for (let i = 0; i < JOBS; i += 1000) {
    await store.addTasks({ tasks: Array.from({ length: Math.min(1000, JOBS - i) }, (_, j) => ({ id: `t-${i + j}`, description: `job ${i + j}` })) });
  }
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (;;) {
        const got = await store.claimNextTask({ workerId: `w${w}` });
        if (!got) return;
        await store.completeTask({ taskId: got.task.id, workerId: `w${w}` });
      }
    }),
  );
  const rate = JOBS / ((performance.now() - t0) / 1000);
  const { retries, commands, groups, postponed } = store.database.stats;
  await store.close();
  return { rate: Math.round(rate), retries, commandsPerGroup: round(commands / groups, 1), postponed };
}

async function pgBoss() {
  const boss = new PgBoss({ connectionString: url, schema: schema('pgboss'), max: CONCURRENCY + 4, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('bench');
  for (let i = 0; i < JOBS; i += 500) await boss.insert('bench', Array.from({ length: Math.min(500, JOBS - i) }, (_, j) => ({ data: { i: i + j } })));
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const [job] = await boss.fetch('bench');
        if (!job) return;
        await boss.complete('bench', job.id);
        done++;
      }
    }),
  );
  const rate = done / ((performance.now() - t0) / 1000);
  await boss.stop({ graceful: false, wait: true });
  return Math.round(rate);
}

function startReplica(databaseSchema) {
  const child = spawn(
    process.execPath,
    [join(root, 'apps/server/dist/cli.js'), '--port', '0', '--dashboard-port', '0', '--database-url', url, '--database-schema', databaseSchema, '--slots', '200'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /API\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`replica exited ${code}: ${out}`)));
  });
}

const post = async (base, path, body) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

async function httpCycles(replicas) {
  const s = schema(`http${replicas}`);
  const nodes = await Promise.all(Array.from({ length: replicas }, () => startReplica(s)));
  for (let i = 0; i < HTTP_TASKS; i += 1000) {
    await post(nodes[0].url, '/api/v1/tasks', { tasks: Array.from({ length: Math.min(1000, HTTP_TASKS - i) }, (_, j) => ({ id: `h-${i + j}`, description: 'x' })) });
  }
  let cycles = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: HTTP_WORKERS }, async (_, w) => {
      const base = nodes[w % replicas].url;
      for (;;) {
        const claim = await post(base, '/api/v1/claim-next', { workerId: `w${w}` });
        if (claim.status >= 500) {
          errors++;
          continue;
        }
        if (!claim.body.task) return;
        const done = await post(base, `/api/v1/tasks/${claim.body.task.id}/complete`, { workerId: `w${w}` });
        if (done.status >= 500) errors++;
        else cycles++;
      }
    }),
  );
  const rate = cycles / ((performance.now() - t0) / 1000);
  for (const node of nodes) node.child.kill('SIGTERM');
  return { rate: Math.round(rate), errors };
}

async function crossReplicaLatency() {
  const s = schema('latency');
  const [a, b] = await Promise.all([startReplica(s), startReplica(s)]);
  const socket = io(a.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise((resolve) => socket.once('ready', resolve));
  const samples = [];
  for (let i = 0; i < (quick ? 30 : 100); i++) {
    const arrived = new Promise((resolve) => {
      const onEvent = (event) => {
        if (event.type === 'task.added' && event.taskId === `lat-${i}`) {
          socket.off('event', onEvent);
          resolve(performance.now());
        }
      };
      socket.on('event', onEvent);
    });
    const t0 = performance.now();
    await post(b.url, '/api/v1/tasks', { id: `lat-${i}`, description: 'x' });
    samples.push((await arrived) - t0);
  }
  socket.disconnect();
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  samples.sort((x, y) => x - y);
  return { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) };
}

const rows = [];
const row = (metric, value, target = '') => {
  rows.push({ metric, value, target });
  console.log(`${metric.padEnd(64)} ${String(value).padStart(12)}  ${target}`);
};

try {
  console.log(`${'metric'.padEnd(64)} ${'value'.padStart(12)}  target`);
  const store = await ours();
  row(`store: claim-next→complete, ${CONCURRENCY} workers (cycles/s)`, store.rate);
  row('store: commands per group commit / postponed / rerun', `${store.commandsPerGroup} / ${store.postponed} / ${store.retries}`);
  const boss = await pgBoss();
  row(`pg-boss: fetch→complete, ${CONCURRENCY} workers (jobs/s)`, boss);
  const ratio = round(store.rate / boss);
  row('our rate as a multiple of pg-boss', ratio, '>= 1.5');
  if (!storeOnly) {
    const one = await httpCycles(1);
    row(`HTTP: ${HTTP_WORKERS} workers, one replica (cycles/s)`, one.rate);
    const two = await httpCycles(2);
    row(`HTTP: ${HTTP_WORKERS} workers, two replicas (cycles/s)`, two.rate);
    row('two replicas as a multiple of one', round(two.rate / one.rate), '>= 1.6');
    row('HTTP 5xx answers', one.errors + two.errors, '0');
    const latency = await crossReplicaLatency();
    row('event added on replica B → Socket.IO client on A, p50 / p99 (ms)', `${latency.p50} / ${latency.p99}`, '<= 100');
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(
      join(here, 'results', 'pg.json'),
      `${JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, jobs: JOBS, concurrency: CONCURRENCY, store, boss, ratio, one, two, latency, rows }, null, 2)}\n`,
    );
    console.log(`\nwrote ${join('bench', 'results', 'pg.json')}`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
  await admin.end();
}
