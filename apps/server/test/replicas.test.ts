// Several server replicas on one PostgreSQL database: shared work, shared events, and failures.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { DEFAULTS, startServer, type RunningServer } from '../src/index.js';
import { client, eventually, sample, sleep, type Client } from './helpers.js';

const url = process.env.TC_TEST_DATABASE_URL ?? '';
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const schemas: string[] = [];
const children: ChildProcess[] = [];
const servers: RunningServer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

function schema(): string {
  const name = `tc_replicas_${randomBytes(4).toString('hex')}`;
  schemas.push(name);
  return name;
}

/** A replica in its own process (the CLI), on a free port. */
async function replica(databaseSchema: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@task-coordinator/source',
      '--import',
      'tsx',
      cli,
      '--port',
      '0',
      '--dashboard-port',
      '0',
      '--database-url',
      url,
      '--database-schema',
      databaseSchema,
      '--slots',
      '100',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const base = await eventually(
    () =>
      /API\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(out)?.[1] ??
      (child.exitCode !== null ? Promise.reject(new Error(out)) : null),
    30_000,
  );
  return { child, url: base };
}

async function inProcess(databaseSchema: string, overrides = {}): Promise<RunningServer> {
  const running = await startServer(
    {
      ...DEFAULTS,
      port: 0,
      dashboardPort: null,
      databaseUrl: url,
      databaseSchema,
      slots: 100,
      sweepIntervalMs: 100,
      ...overrides,
    },
    { log: () => undefined },
  );
  servers.push(running);
  return running;
}

interface Tally {
  acked: Set<string>;
  statuses: Map<number, number>;
  unreachable: number;
}

/** A worker loop that survives a dead replica or a dropped database connection, as a real client does. */
async function work(http: Client, workerId: string, tally: Tally, until: () => boolean): Promise<void> {
  for (let guard = 0; guard < 5000 && !until(); guard++) {
    let claim;
    try {
      claim = await http.post('/api/v1/claim-next', { workerId });
    } catch {
      tally.unreachable++;
      return; // this replica is gone: the worker dies with it
    }
    tally.statuses.set(claim.status, (tally.statuses.get(claim.status) ?? 0) + 1);
    if (claim.status >= 500) {
      await sleep(50);
      continue;
    }
    const task = claim.body.task as { id: string } | null;
    if (!task) {
      await sleep(20);
      continue;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      let done;
      try {
        done = await http.post(`/api/v1/tasks/${task.id}/complete`, { workerId, output: workerId });
      } catch {
        tally.unreachable++;
        return;
      }
      tally.statuses.set(done.status, (tally.statuses.get(done.status) ?? 0) + 1);
      if (done.status === 200) {
        tally.acked.add(task.id);
        break;
      }
      if (done.status < 500) break; // LEASE_LOST and the like: not ours any more
      await sleep(50);
    }
  }
}

async function completions(running: RunningServer): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let after = 0; ;) {
    const page = await running.store.events({ afterSeq: after, limit: 1000 });
    if (!page.length) break;
    for (const e of page)
      if (e.type === 'task.completed') counts.set(e.taskId as string, (counts.get(e.taskId as string) ?? 0) + 1);
    after = page.at(-1)!.seq;
  }
  return counts;
}

async function addTasks(http: Client, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
      id: `t-${i + j}`,
      description: `task ${i + j}`,
    }));
    expect((await http.post('/api/v1/tasks', { tasks: batch })).status).toBe(201);
  }
}

describe.skipIf(!url)('replicas on one PostgreSQL', () => {
  it('two server processes, 64 workers split across them, 5,000 tasks: every task done exactly once, zero 5xx', async () => {
    const s = schema();
    const [a, b] = await Promise.all([replica(s), replica(s)]);
    const httpA = client(a.url);
    const httpB = client(b.url);
    await addTasks(httpA, 5000);
    const tally: Tally = { acked: new Set(), statuses: new Map(), unreachable: 0 };
    const observer = await inProcess(s);
    const done = async () => (await observer.store.stats()).tasks.done >= 5000;
    let finished = false;
    const watcher = (async () => {
      while (!finished) {
        if (await done()) finished = true;
        else await sleep(200);
      }
    })();
    await Promise.all(
      Array.from({ length: 64 }, (_, i) => work(i % 2 ? httpA : httpB, `w${i}`, tally, () => finished)),
    );
    finished = true;
    await watcher;
    expect([...tally.statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(tally.unreachable).toBe(0);
    const counts = await completions(observer);
    expect(counts.size).toBe(5000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await observer.store.stats()).tasks.done).toBe(5000);
    // Each replica group-commits its share, several commands per transaction, and counts them:
    // together at least a claim and a complete per task.
    let commands = 0;
    for (const http of [httpA, httpB]) {
      const text = (await http.get('/metrics')).body as string;
      const mine = sample(text, 'tc_store_commands_total') ?? 0;
      expect(mine / (sample(text, 'tc_store_transactions_total') ?? Infinity)).toBeGreaterThan(2);
      commands += mine;
    }
    expect(commands).toBeGreaterThanOrEqual(2 * 5000);
  }, 180_000);

  it('a Socket.IO client on replica A sees a claim made through replica B', async () => {
    const s = schema();
    const a = await inProcess(s);
    const b = await inProcess(s);
    const socket = connect(a.apiUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('ready', resolve));
    const seen: Array<{ event: TaskEvent; at: number }> = [];
    socket.on('event', (event: TaskEvent) => seen.push({ event, at: Date.now() }));
    await client(b.apiUrl).post('/api/v1/tasks', { id: 'shared', description: 'x' });
    const sent = Date.now();
    await client(b.apiUrl).post('/api/v1/claim-next', { workerId: 'on-b' });
    const claimed = await eventually(() => seen.find((s2) => s2.event.type === 'task.claimed'), 5000);
    expect(claimed.event).toMatchObject({ taskId: 'shared', workerId: 'on-b' });
    // The latency is measured in the benchmark; here, only that it arrives, through the other replica.
    expect(claimed.at - sent).toBeLessThan(5000);
    // A long-poller on A is woken by an add on B.
    const waiting = client(a.apiUrl).post('/api/v1/claim-next', { workerId: 'waits-on-a', wait: 20 });
    await sleep(200);
    await client(b.apiUrl).post('/api/v1/tasks', { id: 'wake-a', description: 'x' });
    expect((await waiting).body.task.id).toBe('wake-a');
  }, 60_000);

  it('replica A killed with SIGKILL under load: nothing acknowledged is lost; its claims expire and replica B finishes them', async () => {
    const s = schema();
    const [a, b] = await Promise.all([replica(s, ['--lease-ttl', '2s']), replica(s, ['--lease-ttl', '2s'])]);
    const httpA = client(a.url);
    const httpB = client(b.url);
    await addTasks(httpB, 1500);
    const observer = await inProcess(s, { leaseTtlMs: 2000 });
    const tally: Tally = { acked: new Set(), statuses: new Map(), unreachable: 0 };
    let finished = false;
    const onA = Array.from({ length: 16 }, (_, i) => work(httpA, `a${i}`, tally, () => finished));
    const onB = Array.from({ length: 16 }, (_, i) => work(httpB, `b${i}`, tally, () => finished));
    await eventually(async () => (await observer.store.stats()).tasks.done >= 300, 60_000);
    a.child.kill('SIGKILL');
    await Promise.all(onA);
    // Some of A's workers held claims when it died: they come back after one TTL and B takes them.
    await eventually(async () => (await observer.store.stats()).tasks.done >= 1500, 120_000, 200);
    finished = true;
    await Promise.all(onB);
    const stats = await observer.store.stats();
    expect(stats.tasks.done).toBe(1500);
    for (const id of tally.acked) expect((await observer.store.getTask({ taskId: id })).status).toBe('done');
    const counts = await completions(observer);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);

  it('database connections terminated under load: the server reconnects by itself, nothing acknowledged is lost, no task done twice', async () => {
    const s = schema();
    const running = await inProcess(s);
    const http = client(running.apiUrl);
    await addTasks(http, 1500);
    const tally: Tally = { acked: new Set(), statuses: new Map(), unreachable: 0 };
    let finished = false;
    const workers = Array.from({ length: 16 }, (_, i) => work(http, `w${i}`, tally, () => finished));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (let round = 0; round < 5; round++) {
        await sleep(300);
        await admin.query(
          // Only this server's connections (other test files share the database).
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
          [`task-coordinator:${s}`],
        );
      }
    } finally {
      await admin.end();
    }
    await eventually(
      async () => {
        try {
          return (await running.store.stats()).tasks.done >= 1500;
        } catch {
          return false;
        }
      },
      120_000,
      200,
    );
    finished = true;
    await Promise.all(workers);
    expect((await http.get('/api/health')).body.status).toBe('ok');
    for (const id of tally.acked) expect((await running.store.getTask({ taskId: id })).status).toBe('done');
    // A transaction cut after taking seqs leaves a gap the feed waits out (5 s) before the log settles.
    const counts = await eventually(
      async () => {
        const found = await completions(running);
        return found.size === 1500 ? found : null;
      },
      30_000,
      250,
    );
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);
});
