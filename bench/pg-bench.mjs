// PostgreSQL benchmark: our store's claim-next→complete rate as a ratio of graphile-worker's and pg-boss's
// rates on the same database with the same concurrency (bench-only dependencies: bench/package.json); the HTTP workload against one replica and against two; and
// how fast an event crosses replicas. Needs PostgreSQL: TC_TEST_DATABASE_URL or DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test). Prints a table and writes bench/results/pg.json.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { run as runGraphileWorker } from 'graphile-worker';
import { io } from 'socket.io-client';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { httpClient } from './http-client.mjs';
import { processCpuMs } from './servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const url = process.env.TC_TEST_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const quick = process.argv.includes('--quick');
// --store: only the store-level comparison with pg-boss (no server replicas).
const storeOnly = process.argv.includes('--store');
const JOBS = quick ? 2000 : 6000;
const ROUNDS = 5;
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

// Where the CPU goes (Linux /proc; zeros elsewhere): a process's user+system time, and the whole
// machine's busy time, in milliseconds. Shows whether a run is bound by this machine's cores.
const TICK_MS = 10;
function machineCpuMs() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = ticks[3] + ticks[4];
    return { busy: (ticks.reduce((a, b) => a + b, 0) - idle) * TICK_MS };
  } catch {
    return { busy: 0 };
  }
}
/** CPU of the database backends serving one application (our replicas name their connections). */
async function backendsCpuMs(applicationName) {
  const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1', [
    applicationName,
  ]);
  return rows.reduce((sum, r) => sum + processCpuMs(r.pid), 0);
}

function schema(name) {
  const full = `tc_bench_${name}_${suffix}`;
  schemas.push(full);
  return full;
}

async function ours(turn) {
  const name = schema(`store${turn}`);
  const store = await openPostgresStore({
    connectionString: url,
    schema: name,
    poolSize: CONCURRENCY + 4,
    config: { slots: 100 },
  });
  for (let i = 0; i < JOBS; i += 1000) {
    await store.addTasks({
      tasks: Array.from({ length: Math.min(1000, JOBS - i) }, (_, j) => ({
        id: `t-${i + j}`,
        description: `job ${i + j}`,
      })),
    });
  }
  const cpu0 = { db: await backendsCpuMs(`task-coordinator:${name}`), node: process.cpuUsage() };
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
  const cpu = cpuPerCycle(cpu0, await backendsCpuMs(`task-coordinator:${name}`), JOBS);
  const { retries, commands, groups, postponed } = store.database.stats;
  await store.close();
  return { rate: Math.round(rate), cpu, retries, commandsPerGroup: round(commands / groups, 1), postponed };
}

/** Milliseconds of CPU per cycle: the database backends serving the run, and this process. */
function cpuPerCycle(cpu0, dbNow, cycles) {
  const node = process.cpuUsage(cpu0.node);
  return { db: round((dbNow - cpu0.db) / cycles, 3), node: round((node.user + node.system) / 1000 / cycles, 3) };
}

async function pgBoss(turn) {
  // Its connections carry this name, so the CPU of the backends serving them can be measured.
  const applicationName = `pgboss-bench-${suffix}-${turn}`;
  const boss = new PgBoss({
    connectionString: url,
    schema: schema(`pgboss${turn}`),
    max: CONCURRENCY + 4,
    supervise: false,
    schedule: false,
    application_name: applicationName,
  });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('bench');
  for (let i = 0; i < JOBS; i += 500)
    await boss.insert(
      'bench',
      Array.from({ length: Math.min(500, JOBS - i) }, (_, j) => ({ data: { i: i + j } })),
    );
  let done = 0;
  const cpu0 = { db: await backendsCpuMs(applicationName), node: process.cpuUsage() };
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
  const cpu = cpuPerCycle(cpu0, await backendsCpuMs(applicationName), done);
  await boss.stop({ graceful: false, wait: true });
  return { rate: Math.round(rate), cpu };
}

/**
 * graphile-worker 0.16.6 (the last release that runs on Node 20) processing JOBS no-op jobs with the
 * same concurrency, in its recommended throughput setup for that version: one runner with
 * `concurrency` = ours, a pool of concurrency + 1 connections (its performance page runs 24 jobs
 * on 25), prepared statements on (its default), jobs added in one add_jobs() call beforehand.
 * (Local queues and batched completion arrive only in 0.17, which needs Node 22.) Timed from the
 * first job's start to the last job's completion, so the runner's start-up is not counted.
 */
async function graphileWorker(turn) {
  const applicationName = `graphile-bench-${suffix}-${turn}`;
  const name = schema(`graphile${turn}`);
  const connectionString = `${url}${url.includes('?') ? '&' : '?'}application_name=${applicationName}`;
  const quiet = () => () => undefined;
  const { Logger } = await import('@graphile/logger');
  let done = 0;
  let t0 = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const runner = await runGraphileWorker({
    connectionString,
    schema: name,
    concurrency: CONCURRENCY,
    maxPoolSize: CONCURRENCY + 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new Logger(quiet),
    taskList: {
      bench: async () => {
        if (t0 === 0) t0 = performance.now();
      },
    },
  });
  runner.events.on('job:success', () => {
    done++;
    if (done === JOBS) finished(performance.now());
  });
  // Jobs are added only now that the schema exists; the runner takes them as they commit.
  const cpu0 = { db: await backendsCpuMs(applicationName), node: process.cpuUsage() };
  await admin.query(
    `SELECT "${name}".add_jobs(array(SELECT ('bench', json_build_object('i', g), null, null, null, null, null, null)::"${name}".job_spec FROM generate_series(1, $1) g))`,
    [JOBS],
  );
  const t1 = await allDone;
  const rate = done / ((t1 - t0) / 1000);
  const cpu = cpuPerCycle(cpu0, await backendsCpuMs(applicationName), done);
  await runner.stop();
  return { rate: Math.round(rate), cpu };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function startReplica(databaseSchema) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'apps/server/dist/cli.js'),
      '--port',
      '0',
      '--dashboard-port',
      '0',
      '--database-url',
      url,
      '--database-schema',
      databaseSchema,
      '--slots',
      '200',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  // Replicas' warnings go through, but the autovacuum notice is said once for the run (below).
  child.stderr.on('data', (chunk) => {
    const lines = String(chunk)
      .split('\n')
      .filter((line) => line && !line.includes('autovacuum is off'));
    if (lines.length) process.stderr.write(`${lines.join('\n')}\n`);
  });
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

// The server issue's HTTP workload client (bench/http-client.mjs), as bench/http-bench.mjs uses it.
const load = httpClient(HTTP_WORKERS * 2 + 8);
const post = (base, path, body) => load.call(new URL(base).port, 'POST', path, body);

async function httpCycles(replicas) {
  const s = schema(`http${replicas}`);
  const nodes = await Promise.all(Array.from({ length: replicas }, () => startReplica(s)));
  for (let i = 0; i < HTTP_TASKS; i += 1000) {
    await post(nodes[0].url, '/api/v1/tasks', {
      tasks: Array.from({ length: Math.min(1000, HTTP_TASKS - i) }, (_, j) => ({ id: `h-${i + j}`, description: 'x' })),
    });
  }
  let cycles = 0;
  let errors = 0;
  const cpu0 = {
    servers: nodes.reduce((sum, n) => sum + processCpuMs(n.child.pid), 0),
    db: await backendsCpuMs(`task-coordinator:${s}`),
    client: process.cpuUsage(),
    machine: machineCpuMs(),
  };
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
  const wallMs = performance.now() - t0;
  const rate = cycles / (wallMs / 1000);
  const client = process.cpuUsage(cpu0.client);
  const perCycle = (ms) => round(ms / cycles, 3);
  const cpu = {
    serversMsPerCycle: perCycle(nodes.reduce((sum, n) => sum + processCpuMs(n.child.pid), 0) - cpu0.servers),
    databaseMsPerCycle: perCycle((await backendsCpuMs(`task-coordinator:${s}`)) - cpu0.db),
    loadGeneratorMsPerCycle: perCycle((client.user + client.system) / 1000),
    machineBusy: round((machineCpuMs().busy - cpu0.machine.busy) / (wallMs * cpus().length), 2),
  };
  for (const node of nodes) node.child.kill('SIGTERM');
  return { rate: Math.round(rate), errors, cpu };
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
  const {
    rows: [settings],
  } = await admin.query(`SELECT current_setting('autovacuum') AS autovacuum`);
  console.log(`PostgreSQL at ${url.replace(/\/\/[^@/]*@/, '//')}: autovacuum ${settings.autovacuum}`);
  console.log(`${'metric'.padEnd(64)} ${'value'.padStart(12)}  target`);
  // The machine is shared and noisy: the two run in turns, ROUNDS times, and the medians are compared.
  // One uncounted round of each first, so neither is measured while its code is still being compiled.
  await ours('warmup');
  await graphileWorker('warmup');
  await pgBoss('warmup');
  const stores = [];
  const graphiles = [];
  const bosses = [];
  for (let r = 0; r < ROUNDS; r++) {
    stores.push(await ours(r));
    graphiles.push(await graphileWorker(r));
    bosses.push(await pgBoss(r));
  }
  const store = { ...stores.at(-1), rate: median(stores.map((x) => x.rate)), rounds: stores.map((x) => x.rate) };
  const graphile = {
    rate: median(graphiles.map((x) => x.rate)),
    rounds: graphiles.map((x) => x.rate),
    cpu: graphiles.at(-1).cpu,
  };
  const boss = { rate: median(bosses.map((x) => x.rate)), rounds: bosses.map((x) => x.rate), cpu: bosses.at(-1).cpu };
  row(`store: claim-next→complete, ${CONCURRENCY} workers (cycles/s, median of ${ROUNDS})`, store.rate);
  row('  per round', store.rounds.join(' '));
  row(
    'store: commands per group commit / postponed / rerun',
    `${store.commandsPerGroup} / ${store.postponed} / ${store.retries}`,
  );
  row(`graphile-worker 0.16.6: ${CONCURRENCY} concurrent no-op jobs (jobs/s, median of ${ROUNDS})`, graphile.rate);
  row('  per round', graphile.rounds.join(' '));
  row(`pg-boss: fetch→complete, ${CONCURRENCY} workers (jobs/s, median of ${ROUNDS})`, boss.rate);
  row('  per round', boss.rounds.join(' '));
  // Ratios per round (each round runs the three back to back) and their median.
  const graphileRatios = stores.map((x, i) => round(x.rate / graphiles[i].rate));
  const bossRatios = stores.map((x, i) => round(x.rate / bosses[i].rate));
  const graphileRatio = median(graphileRatios);
  const ratio = median(bossRatios);
  row('our rate as a multiple of graphile-worker (median of per-round ratios)', graphileRatio, '>= 1.2');
  row('  per round (ours / graphile-worker)', graphileRatios.join(' '));
  row('our rate as a multiple of pg-boss (median of per-round ratios)', ratio, '>= 1.5');
  row('  per round (ours / pg-boss)', bossRatios.join(' '));
  row('CPU ms per cycle, PostgreSQL + Node: ours', `${store.cpu.db} + ${store.cpu.node}`);
  row('CPU ms per cycle, PostgreSQL + Node: graphile-worker', `${graphile.cpu.db} + ${graphile.cpu.node}`);
  row('CPU ms per cycle, PostgreSQL + Node: pg-boss', `${boss.cpu.db} + ${boss.cpu.node}`);
  if (!storeOnly) {
    const one = await httpCycles(1);
    row(`HTTP: ${HTTP_WORKERS} workers, one replica (cycles/s)`, one.rate);
    const two = await httpCycles(2);
    row(`HTTP: ${HTTP_WORKERS} workers, two replicas (cycles/s)`, two.rate);
    row('two replicas as a multiple of one', round(two.rate / one.rate), '>= 1.6');
    for (const [name, run] of [
      ['one replica', one],
      ['two replicas', two],
    ]) {
      const { serversMsPerCycle, databaseMsPerCycle, loadGeneratorMsPerCycle, machineBusy } = run.cpu;
      row(
        `HTTP, ${name}: CPU ms per cycle, servers / PostgreSQL / load generator`,
        `${serversMsPerCycle} / ${databaseMsPerCycle} / ${loadGeneratorMsPerCycle}`,
      );
      row(`HTTP, ${name}: machine CPU busy (all ${cpus().length} cores)`, `${Math.round(machineBusy * 100)}%`);
    }
    row('HTTP 5xx answers', one.errors + two.errors, '0');
    const latency = await crossReplicaLatency();
    row(
      'event added on replica B → Socket.IO client on A, p50 / p99 (ms)',
      `${latency.p50} / ${latency.p99}`,
      '<= 100',
    );
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(
      join(here, 'results', 'pg.json'),
      `${JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, jobs: JOBS, concurrency: CONCURRENCY, store, graphile, graphileRatio, graphileRatios, boss, ratio, bossRatios, one, two, latency, rows }, null, 2)}\n`,
    );
    console.log(`\nwrote ${join('bench', 'results', 'pg.json')}`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
  await admin.end();
  load.destroy();
}
