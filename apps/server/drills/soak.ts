// Soak (a script, not in CI): steady load for a long while, with agents coming and going, against
// a server process. Every sample records the server's RSS, the size of the events table and the
// p50/p99 latency of claim-next and complete; the report compares the first sample with the last.
//
// Agents come and go: each HTTP worker lives a random 5-30 s under its own worker id, then leaves —
// most finish their task first, some walk away holding one (its lease then expires) — and a new
// worker id takes its place. A producer keeps the board topped up; a Socket.IO client follows the feed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { io as connect } from 'socket.io-client';
import { call, rssOf, sleep, spawnServer } from './support.js';

export interface SoakOptions {
  minutes: number;
  workers: number;
  /** Extra server flags, e.g. a retention setting. */
  serverArgs: string[];
  /** Seconds between samples (default: a sixth of the run, at most 60). */
  sampleSeconds?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  atSeconds: number;
  rssMb: number | null;
  /** Rows in the events table (SQLite, or PostgreSQL via --server-arg=--database-url=…). */
  events: number;
  cyclesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface SoakReport {
  minutes: number;
  workers: number;
  serverArgs: string[];
  cycles: number;
  workersStarted: number;
  abandoned: number;
  serverErrors: number;
  feedEvents: number;
  samples: SoakSample[];
  /** last / first */
  drift: { rss: number | null; p99: number; events: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number) : 0;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'tc-soak-'));
  const file = join(dir, 'soak.db');
  const durationMs = options.minutes * 60_000;
  const sampleMs = (options.sampleSeconds ?? Math.min(60, Math.max(5, (options.minutes * 60) / 6))) * 1000;
  const setting = (name: string) =>
    options.serverArgs.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
  const databaseUrl = setting('database-url');
  const databaseSchema = setting('database-schema') ?? 'task_coordinator';
  const usesSqlite = databaseUrl === null;
  const server = await spawnServer([
    '--db',
    file,
    '--slots',
    String(options.workers * 3),
    '--lease-ttl',
    '10s',
    ...options.serverArgs,
  ]);
  const report: SoakReport = {
    minutes: options.minutes,
    workers: options.workers,
    serverArgs: options.serverArgs,
    cycles: 0,
    workersStarted: 0,
    abandoned: 0,
    serverErrors: 0,
    feedEvents: 0,
    samples: [],
    drift: { rss: null, p99: 0, events: 0 },
  };
  const started = Date.now();
  const end = started + durationMs;
  let latencies: number[] = [];
  let windowCycles = 0;
  let added = 0;
  const feed = connect(server.url, { transports: ['websocket'], reconnection: true });
  feed.on('event', () => report.feedEvents++);

  const timed = async (path: string, body: unknown) => {
    const t0 = performance.now();
    const res = await call(server.url, 'POST', path, body);
    latencies.push(performance.now() - t0);
    if (res.status >= 500 || res.status === 0) report.serverErrors++;
    return res;
  };

  const producer = async () => {
    while (Date.now() < end) {
      const stats = await call(server.url, 'GET', '/api/v1/stats');
      const open =
        stats.status === 200 ? (stats.body.tasks.available as number) + (stats.body.tasks.blocked as number) : 0;
      if (open < 500) {
        const tasks = Array.from({ length: 500 }, (_, i) => ({
          id: `soak-${added + i}`,
          description: `soak task ${added + i}`,
          ...(i % 10 === 9 ? { dependencies: [`soak-${added + i - 1}`] } : {}),
        }));
        const res = await call(server.url, 'POST', '/api/v1/tasks', { tasks });
        if (res.status === 201) added += 500;
        else if (res.status >= 500) report.serverErrors++;
      }
      await sleep(200);
    }
  };

  const lane = async (lane: number) => {
    for (let generation = 0; Date.now() < end; generation++) {
      const workerId = `soak-${lane}-${generation}`;
      report.workersStarted++;
      const leaveAt = Math.min(end, Date.now() + 5_000 + Math.random() * 25_000);
      const abandons = Math.random() < 0.2;
      while (Date.now() < leaveAt) {
        const claim = await timed('/api/v1/claim-next', { workerId, wait: 1 });
        const task = claim.status === 200 ? (claim.body.task as { id: string } | null) : null;
        if (!task) continue;
        if (abandons && Date.now() > leaveAt - 2_000) {
          report.abandoned++;
          break; // walks away holding it: the lease expires
        }
        const done = await timed(`/api/v1/tasks/${encodeURIComponent(task.id)}/complete`, { workerId, output: 'ok' });
        if (done.status === 200) {
          report.cycles++;
          windowCycles++;
        }
      }
    }
  };

  const eventsCount = async (): Promise<number> => {
    if (usesSqlite) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: databaseUrl ?? '' });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${databaseSchema.replace(/"/g, '""')}".events`,
      );
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
  };

  const sampler = async () => {
    let windowStart = Date.now();
    while (Date.now() < end) {
      await sleep(Math.min(sampleMs, Math.max(0, end - Date.now())));
      const now = Date.now();
      const sorted = latencies.sort((a, b) => a - b);
      const rss = rssOf(server.pid);
      const sample: SoakSample = {
        atSeconds: Math.round((now - started) / 1000),
        rssMb: rss === null ? null : Math.round(rss / 1024 / 1024),
        events: await eventsCount(),
        cyclesPerSecond: Math.round((windowCycles * 1000) / (now - windowStart)),
        p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
        p99Ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
      };
      latencies = [];
      windowCycles = 0;
      windowStart = now;
      report.samples.push(sample);
      log(
        `soak ${sample.atSeconds}s: rss ${sample.rssMb} MB, events ${sample.events}, ${sample.cyclesPerSecond} cycles/s, p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms, 5xx ${report.serverErrors}`,
      );
    }
  };

  try {
    await Promise.all([producer(), sampler(), ...Array.from({ length: options.workers }, (_, i) => lane(i))]);
  } finally {
    feed.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const first = report.samples[0];
  const last = report.samples.at(-1);
  if (first && last) {
    report.drift = {
      rss: first.rssMb && last.rssMb ? Math.round((last.rssMb / first.rssMb) * 100) / 100 : null,
      p99: first.p99Ms ? Math.round((last.p99Ms / first.p99Ms) * 100) / 100 : 0,
      events: first.events ? Math.round((last.events / first.events) * 100) / 100 : 0,
    };
  }
  return report;
}
