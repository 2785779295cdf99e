// Crash drill: the server under 64-worker HTTP load is killed with SIGKILL at random moments and
// restarted on the same database. After each kill, with the server down, the database is read
// directly: integrity_check is ok, every completion the server acknowledged is `done`, no task is
// held twice, nothing was completed twice. After the restart the claims of the dead period expire
// (or are resumed by their worker) and work goes on; at the end every task is done exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  checkPostgres,
  checkSqlite,
  sleep,
  spawnServer,
  until,
  type BoardCheck,
  type ServerProcess,
} from './support.js';

export type CrashStore = { kind: 'sqlite' } | { kind: 'postgres'; url: string; schema: string };

export interface CrashOptions {
  store: CrashStore;
  /** SIGKILLs to survive. */
  kills: number;
  workers?: number;
  /** Lease TTL of the server, e.g. "2s": how long a dead period's claims stay held. */
  leaseTtl?: string;
  /** Longest random run under load before a kill, in ms (the shortest is a tenth of it). */
  maxRunMs?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  store: string;
  kills: number;
  /** Restarts after which every check passed. */
  restartsSurvived: number;
  tasks: number;
  /** Completions the server answered 200 to. */
  acknowledged: number;
  /** Acknowledged completions not `done` after a restart (must be empty). */
  lost: string[];
  heldTwice: string[];
  holderMismatch: string[];
  completedTwice: string[];
  /** integrity_check results other than "ok". */
  integrity: string[];
  /** Answers with a 5xx status (a 503 while the store is busy counts too). */
  serverErrors: number;
  /** Requests that found the server down (expected: it was killed). */
  refused: number;
  /** Claims of dead periods that expired after a restart (the others were resumed by their worker). */
  expired: number;
  finalByStatus: Record<string, number>;
  ms: number;
}

const BATCH = 1000;

export async function runCrashDrill(options: CrashOptions): Promise<CrashReport> {
  const workers = options.workers ?? 64;
  const maxRunMs = options.maxRunMs ?? 1500;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tc-crash-'));
  const file = join(dir, 'board.db');
  const storeArgs =
    options.store.kind === 'sqlite'
      ? ['--db', file]
      : ['--database-url', options.store.url, '--database-schema', options.store.schema];
  const args = [...storeArgs, '--slots', String(workers), '--lease-ttl', options.leaseTtl ?? '2s'];
  const check = (): Promise<BoardCheck> =>
    options.store.kind === 'sqlite'
      ? Promise.resolve(checkSqlite(file))
      : checkPostgres(options.store.url, options.store.schema);

  const report: CrashReport = {
    store: options.store.kind,
    kills: 0,
    restartsSurvived: 0,
    tasks: 0,
    acknowledged: 0,
    lost: [],
    heldTwice: [],
    holderMismatch: [],
    completedTwice: [],
    integrity: [],
    serverErrors: 0,
    refused: 0,
    expired: 0,
    finalByStatus: {},
    ms: 0,
  };
  const acked = new Set<string>();
  let server: ServerProcess | null = null;
  let stop = false;

  /** Adds a batch whenever little work is left, so every kill lands under load. */
  const addBatch = async () => {
    const tasks = Array.from({ length: BATCH }, (_, i) => {
      const n = report.tasks + i;
      // A sparse DAG: every fourth task waits for one added 64 earlier.
      return {
        id: `t-${n}`,
        description: `crash drill task ${n}`,
        ...(n >= 64 && n % 4 === 0 ? { dependencies: [`t-${n - 64}`] } : {}),
      };
    });
    const res = await call(server!.url, 'POST', '/api/v1/tasks', { tasks });
    if (res.status !== 201) throw new Error(`adding tasks failed: ${res.status} ${JSON.stringify(res.body)}`);
    report.tasks += BATCH;
  };
  const remaining = async (): Promise<number | null> => {
    const res = await call(server!.url, 'GET', '/api/v1/stats');
    return res.status === 200 ? (res.body.total as number) - (res.body.tasks.done as number) : null;
  };

  const worker = async (workerId: string) => {
    for (let guard = 0; guard < 1_000_000 && !stop; guard++) {
      const base = server?.url;
      if (!base) {
        await sleep(20);
        continue;
      }
      const claim = await call(base, 'POST', '/api/v1/claim-next', { workerId });
      if (claim.status === 0) {
        report.refused++;
        await sleep(50);
        continue;
      }
      if (claim.status >= 500) report.serverErrors++;
      const task = claim.status === 200 ? (claim.body?.task as { id: string } | null) : null;
      if (!task) {
        await sleep(20);
        continue;
      }
      const done = await call(base, 'POST', `/api/v1/tasks/${encodeURIComponent(task.id)}/complete`, {
        workerId,
        output: workerId,
      });
      if (done.status === 200) acked.add(task.id);
      else if (done.status === 0) report.refused++;
      else if (done.status >= 500) report.serverErrors++;
    }
  };

  const verify = async (when: string) => {
    const board = await check();
    const lost = [...acked].filter((id) => board.status.get(id) !== 'done');
    report.lost.push(...lost);
    report.heldTwice.push(...board.heldTwice);
    report.holderMismatch.push(...board.holderMismatch);
    report.completedTwice.push(...board.completedTwice);
    if (board.integrity !== 'ok') report.integrity.push(board.integrity);
    const ok =
      lost.length === 0 &&
      board.heldTwice.length === 0 &&
      board.holderMismatch.length === 0 &&
      board.completedTwice.length === 0 &&
      board.integrity === 'ok';
    log(
      `${when}: ${JSON.stringify(board.byStatus)} acknowledged ${acked.size}, integrity ${board.integrity}${ok ? '' : ' — VIOLATION'}`,
    );
    return { ok, board };
  };

  let loops: Promise<void>[] = [];
  try {
    server = await spawnServer(args);
    await addBatch();
    await addBatch();
    loops = Array.from({ length: workers }, (_, i) => worker(`crash-worker-${i}`));
    for (let kill = 1; kill <= options.kills; kill++) {
      // Let the load run a random while, topping up work so the kill always lands mid-stream.
      const runFor = maxRunMs / 10 + Math.random() * (maxRunMs * 0.9);
      await sleep(runFor);
      if (((await remaining()) ?? Infinity) < BATCH) await addBatch();
      const dying = server;
      server = null;
      await dying.kill();
      report.kills++;
      const { ok } = await verify(`kill ${kill} after ${Math.round(runFor)} ms`);
      server = await spawnServer(args);
      // Work resumes: something gets done after the restart.
      const before = await until('the restarted server to answer', remaining, 30_000);
      await until(
        'work to resume after the restart',
        async () => ((await remaining()) ?? Infinity) < before || before === 0,
        60_000,
      );
      if (ok) report.restartsSurvived++;
    }
    await until('every task to be done', async () => (await remaining()) === 0, 300_000, 100);
    stop = true;
    await Promise.all(loops);
    await server.stop();
    server = null;
    const { board } = await verify('final');
    report.finalByStatus = board.byStatus;
    report.expired = board.expired;
    report.acknowledged = acked.size;
  } finally {
    stop = true;
    await Promise.all(loops).catch(() => undefined);
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  report.ms = Date.now() - started;
  return report;
}
