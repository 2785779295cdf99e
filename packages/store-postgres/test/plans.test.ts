// The hot path reaches rows through indexes, on a board PostgreSQL has no statistics for yet (a
// board loaded moments ago, as in every benchmark and many real runs). Left to its estimates, the
// planner scanned the whole tasks table for every group's writes and loads: 8 ms of a 10 ms group
// on 20,000 tasks, growing with the board. This records the statements a real workload sends and
// asks PostgreSQL for their plans, both as it plans them with the values (custom) and as a cached
// statement may run later (generic).
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

const TASKS = 5_000;
const WORKERS = 8;

/** Scans whose cost grows with the board: a whole table read, or every task of a project. */
const GROWS = /Seq Scan on (tasks|events|task_dependencies|slots)\b|tasks_by_project/;
/** The lease sweeper reads slots whole by design: one row per held slot (migration 4 says why). */
const SWEEPS_SLOTS = /FROM slots WHERE lease_expires_at/;

describe.skipIf(!HAS_PG)('postgres plans', () => {
  it(`claim, start, heartbeat, fail, complete, dependents and the lease sweeper on a ${TASKS.toLocaleString('en')}-task board without statistics: no statement scans a table`, async () => {
    const schema = freshSchema('plans');
    const store = await openPostgresStore({
      connectionString: DATABASE_URL,
      schema,
      poolSize: WORKERS + 4,
      config: { slots: 50 },
    });
    const seen = new Map<string, unknown[]>();
    const prepares = new Map<string, string>();
    const executes = new Map<string, string>();
    const query = pg.Client.prototype.query;
    let recording = false;
    try {
      // Record what the workload sends: every PREPARE, and once the board is loaded, the EXECUTEs of
      // group transactions (transaction.ts) and statements sent with values (the driver's prepared ones).
      pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
        const text = typeof config === 'string' ? config : (config as { text?: string }).text;
        const params = typeof config === 'string' ? values : (config as { values?: unknown[] }).values;
        if (recording && text && Array.isArray(params) && !seen.has(text)) seen.set(text, params);
        // A group's statements travel several to a query (BEGIN; PREPARE …; EXECUTE …; COMMIT).
        for (const part of text?.split(/; (?=BEGIN$|COMMIT$|PREPARE \w+ AS |EXECUTE \w+\()/) ?? []) {
          const prepare = /^PREPARE (\w+) AS ([\s\S]*)$/.exec(part);
          if (prepare) prepares.set(prepare[1] as string, prepare[2] as string);
          const execute = /^(EXECUTE (\w+)\([\s\S]*\))$/.exec(part);
          if (recording && execute && !executes.has(execute[2] as string))
            executes.set(execute[2] as string, execute[1] as string);
        }
        return (query as (...args: unknown[]) => unknown).call(this, config, values, callback);
      } as typeof query;
      // Every fifth task waits for the one before it, so completes unblock dependents.
      for (let i = 0; i < TASKS; i += 1000) {
        await store.addTasks({
          tasks: Array.from({ length: 1000 }, (_, j) => {
            const n = i + j;
            return { id: `p-${n}`, description: `task ${n}`, ...(n % 5 === 4 ? { dependencies: [`p-${n - 1}`] } : {}) };
          }),
        });
      }
      recording = true;
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          const workerId = `w${w}`;
          for (let round = 0; round < 6; round++) {
            const claimed = await store.claimNextTask({ workerId });
            if (!claimed) return;
            const taskId = claimed.task.id;
            await store.startTask({ taskId, workerId });
            await store.heartbeat({ workerId });
            if (round === 2) await store.failTask({ taskId, workerId, error: 'flaky' });
            else await store.completeTask({ taskId, workerId, output: 'ok' });
            if (w === 0) await store.expireLeases();
          }
        }),
      );
    } finally {
      pg.Client.prototype.query = query;
      await store.close();
    }
    expect(executes.size).toBeGreaterThan(5);
    expect([...executes.keys()].every((name) => prepares.has(name))).toBe(true);

    const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await client.connect();
    const scans: string[] = [];
    try {
      for (const [name, text] of prepares) await client.query(`PREPARE ${name} AS ${text}`);
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        for (const [name, execute] of executes) {
          await client.query('BEGIN');
          try {
            const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${execute}`);
            const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
            const text = prepares.get(name) ?? '';
            if (GROWS.test(plan) && !SWEEPS_SLOTS.test(text))
              scans.push(`${mode}: ${text.replace(/\s+/g, ' ').slice(0, 120)}…\n${plan}`);
          } finally {
            await client.query('ROLLBACK');
          }
        }
        for (const [text, params] of seen) {
          if (!/^\s*(WITH|SELECT|UPDATE|INSERT|DELETE)/i.test(text)) continue;
          await client.query('BEGIN');
          try {
            // EXPLAIN without ANALYZE plans the statement and runs nothing.
            const { rows } = await client.query<{ 'QUERY PLAN': string }>({
              name: `plan-${mode}-${scans.length}-${seen.size}-${text.length}`,
              text: `EXPLAIN ${text}`,
              values: params,
            });
            const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
            if (GROWS.test(plan)) scans.push(`${mode}: ${text.replace(/\s+/g, ' ').slice(0, 120)}…\n${plan}`);
          } finally {
            await client.query('ROLLBACK');
          }
        }
      }
    } finally {
      await client.end();
    }
    expect(scans).toEqual([]);
  }, 120_000);
});
