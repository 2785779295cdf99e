// The original project's own workload through its endpoints: 16 workers on 2,000 tasks, each cycle
// takes a slot, lists the available tasks, claims one, finishes it and releases the slot. Against the
// durable SQLite server and a bare node:http server that keeps the board in a Map and answers the
// same bodies (building its JSON on every request), with the same client, in alternating rounds.
// Each round also runs a reference, the same server with commits acknowledged before their fsync,
// and every contender's CPU per cycle (server and load generator share the machine's cores).
// Run with `npm run bench` (builds first). Prints a table and writes bench/results/original.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpClient } from './http-client.mjs';
import { cpuRows, ownCpuMs, processCpuMs, serverProcesses } from './servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const WORKERS = 16;
const TASKS = quick ? 1_000 : 2_000;
/** Tasks of the unmeasured warm-up before each contender's measured run. */
const WARMUP = 500;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 3 : 5;
const dir = mkdtempSync(join(tmpdir(), 'tc-original-bench-'));
const servers = serverProcesses(root);
const { start, stop } = servers;
const load = httpClient(WORKERS + 4);
const round = (n, digits = 2) => Number(n.toFixed(digits));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const startCoordinator = (name, unsynced = false) =>
  servers.startCoordinator(join(dir, `${name}.db`), WORKERS + 4, { unsynced });

// The bare server: the original endpoints over a Map, no validation, no durability, no events.
const BARE = `
  const http = require('node:http');
  const tasks = new Map();
  const slots = new Map();
  const SLOTS = ${WORKERS + 4};
  const ok = JSON.stringify({ success: true });
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      switch (req.url) {
        case '/api/add-task':
          tasks.set(body.id, { id: body.id, description: body.description, status: 'available', dependencies: [] });
          return send(res, 200, ok);
        case '/api/claim-worker-slot': {
          for (let slot = 1; slot <= SLOTS; slot++)
            if (!slots.has(slot)) { slots.set(slot, null); return send(res, 200, JSON.stringify({ success: true, slot })); }
          return send(res, 409, JSON.stringify({ success: false, error: 'no free slot' }));
        }
        case '/api/available-tasks':
          return send(res, 200, JSON.stringify({ success: true, tasks: [...tasks.values()].filter((t) => t.status === 'available') }));
        case '/api/claim-task': {
          const task = tasks.get(body.taskId);
          if (!task || task.status !== 'available') return send(res, 409, JSON.stringify({ success: false, error: 'not claimable' }));
          task.status = 'claimed'; task.worker = body.workerId; slots.set(body.workerSlot, body.taskId);
          return send(res, 200, ok);
        }
        case '/api/update-task': {
          const task = tasks.get(body.taskId);
          task.status = body.status; task.completedAt = new Date().toISOString(); task.output = body.output;
          return send(res, 200, ok);
        }
        case '/api/release-worker-slot':
          slots.delete(body.slot);
          return send(res, 200, ok);
      }
      send(res, 404, JSON.stringify({ success: false, error: 'no route' }));
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));`;

/**
 * 16 original clients until the board is done, against the server on `port` (process `pid`):
 * cycles per second, the available-tasks latency, and the CPU per cycle of the server and of
 * this load generator, which share the machine's cores.
 */
async function originalWorkload(port, pid) {
  // Warmed up first on a board of its own, as a server that has been running is: the same cycle on
  // WARMUP tasks, not measured (a round is a few seconds, and compiling the code paths would count).
  await runCycles(port, 'warmup', WARMUP, pid);
  return runCycles(port, 'o', TASKS, pid);
}

/** Adds `tasks` tasks named `prefix-n`, then 16 original clients take them until none is left. */
async function runCycles(port, prefix, tasks, pid) {
  const post = (path, body) => load.call(port, 'POST', path, body);
  // Added as original clients add them, one per call (16 at a time: setting up is not measured).
  for (let i = 0; i < tasks; i += WORKERS)
    await Promise.all(
      Array.from({ length: Math.min(WORKERS, tasks - i) }, (_, j) =>
        post('/api/add-task', { id: `${prefix}-${i + j}`, description: `original task ${i + j}` }),
      ),
    );
  let cycles = 0;
  let conflicts = 0;
  let errors = 0;
  const listMs = [];
  const cpu0 = { server: processCpuMs(pid), client: ownCpuMs() };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const workerId = `worker-${w}`;
      for (let turn = 0; turn < tasks * 4; turn++) {
        const { body: slot } = await post('/api/claim-worker-slot');
        if (!slot?.success) {
          errors++;
          continue;
        }
        const listed = performance.now();
        const { body: list } = await load.call(port, 'GET', '/api/available-tasks');
        listMs.push(performance.now() - listed);
        if (!list.tasks.length) {
          await post('/api/release-worker-slot', { slot: slot.slot });
          return;
        }
        // Spread the workers over the list, as clients picking at random do.
        const task = list.tasks[Math.floor(Math.random() * Math.min(list.tasks.length, WORKERS * 2))];
        const claim = await post('/api/claim-task', { taskId: task.id, workerId, workerSlot: slot.slot });
        if (claim.body?.success) {
          const done = await post('/api/update-task', { taskId: task.id, status: 'done', workerId, output: 'ok' });
          if (done.body?.success) cycles++;
          else errors++;
        } else if (claim.status >= 500) errors++;
        else conflicts++;
        await post('/api/release-worker-slot', { slot: slot.slot });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = {
    server: round((processCpuMs(pid) - cpu0.server) / cycles, 3),
    client: round((ownCpuMs() - cpu0.client) / cycles, 3),
  };
  listMs.sort((a, b) => a - b);
  return {
    cyclesPerSecond: Math.round(cycles / seconds),
    cpu,
    cycles,
    conflicts,
    errors,
    listP50: round(listMs[Math.floor(listMs.length / 2)] ?? 0),
  };
}

const rows = [];
const row = (metric, value, target = '') => {
  rows.push({ metric, value, target });
  console.log(`${metric.padEnd(66)} ${String(value).padStart(14)}  ${target}`);
};

try {
  console.log(`${'metric'.padEnd(66)} ${'value'.padStart(14)}  target`);
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const coordinator = await startCoordinator(`original-${i}`);
    const ours = await originalWorkload(coordinator.port, coordinator.child.pid);
    await stop(coordinator.child);
    // The reference: the same server with commits acknowledged before their fsync (not a way to run it).
    const reference = await startCoordinator(`original-unsynced-${i}`, true);
    const unsynced = await originalWorkload(reference.port, reference.child.pid);
    await stop(reference.child);
    const bareServer = await start(['-e', BARE], (out) => /PORT (\d+)/.exec(out)?.[1]);
    const bare = await originalWorkload(bareServer.port, bareServer.child.pid);
    await stop(bareServer.child);
    rounds.push({
      ours,
      unsynced,
      bare,
      ratio: round(ours.cyclesPerSecond / bare.cyclesPerSecond),
      unsyncedRatio: round(unsynced.cyclesPerSecond / bare.cyclesPerSecond),
    });
  }
  const ratio = median(rounds.map((r) => r.ratio));
  row(
    `original workload, ${WORKERS} workers on ${TASKS} tasks: ours (cycles/s, median)`,
    median(rounds.map((r) => r.ours.cyclesPerSecond)),
  );
  row('  per round', rounds.map((r) => r.ours.cyclesPerSecond).join(' '));
  row('bare node:http, same bodies, same client (cycles/s, median)', median(rounds.map((r) => r.bare.cyclesPerSecond)));
  row('  per round', rounds.map((r) => r.bare.cyclesPerSecond).join(' '));
  row(`ours as a multiple of bare node:http (median of ${ROUNDS} rounds)`, ratio, '>= 1.0');
  row('  ratio per round', rounds.map((r) => r.ratio).join(' '));
  row(
    'reference: ours with commits not synced, as a multiple of bare (median)',
    median(rounds.map((r) => r.unsyncedRatio)),
  );
  row('  ratio per round', rounds.map((r) => r.unsyncedRatio).join(' '));
  cpuRows(row, rounds, median);
  row(
    'GET /api/available-tasks p50, ours / bare (ms, median round)',
    `${median(rounds.map((r) => r.ours.listP50))} / ${median(rounds.map((r) => r.bare.listP50))}`,
  );
  row(
    '5xx or failed answers, ours (all rounds)',
    rounds.reduce((n, r) => n + r.ours.errors, 0),
    '0',
  );
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'original.json'),
    `${JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, workers: WORKERS, tasks: TASKS, rounds, ratio, rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${join('bench', 'results', 'original.json')}`);
} finally {
  servers.killAll();
  load.destroy();
  rmSync(dir, { recursive: true, force: true });
}
