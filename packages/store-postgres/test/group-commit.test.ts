// Group commit: commands arriving together share one transaction, yet each behaves as if it ran alone.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

const open = (schema = freshSchema('group')) =>
  openPostgresStore({ connectionString: DATABASE_URL, schema, poolSize: 20, config: { slots: 50 } });

/** Every event the log holds, in seq order. */
async function allEvents(store: Awaited<ReturnType<typeof open>>): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for (;;) {
    const page = await store.events({ afterSeq: out.at(-1)?.seq ?? 0, limit: 1000 });
    if (!page.length) return out;
    out.push(...page);
  }
}

describe.skipIf(!HAS_PG)('postgres group commit', () => {
  it('24 workers racing claim-next, start, heartbeat and complete over chained tasks: each task done once, by its holder, events in seq order', async () => {
    const store = await open();
    const seen: TaskEvent[] = [];
    store.subscribe((event) => seen.push(event));
    try {
      // Chains of three, so completes unblock tasks that concurrent claim-nexts are looking for.
      const tasks = Array.from({ length: 300 }, (_, i) => ({
        id: `c${i}`,
        description: `step ${i}`,
        dependencies: i % 3 ? [`c${i - 1}`] : [],
      }));
      await store.addTasks({ tasks });
      const doneBy = new Map<string, string>();
      await Promise.all(
        Array.from({ length: 24 }, async (_, w) => {
          const worker = `w${w}`;
          for (let idle = 0; idle < 40;) {
            const claim = await store.claimNextTask({ workerId: worker });
            if (!claim) {
              // Tasks may still unblock; a bounded number of empty answers ends this worker.
              idle++;
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            idle = 0;
            const id = claim.task.id;
            await Promise.all([
              store.startTask({ taskId: id, workerId: worker }),
              store.heartbeat({ workerId: worker }),
            ]);
            const done = await store.completeTask({ taskId: id, workerId: worker, output: worker });
            expect(doneBy.has(id)).toBe(false);
            doneBy.set(id, done.task.output as string);
          }
        }),
      );
      expect(doneBy.size).toBe(300);
      const stats = await store.stats();
      expect(stats.tasks.done).toBe(300);
      expect(stats.slots.busy).toBe(0);
      for (const [id, worker] of doneBy) expect((await store.getTask({ taskId: id })).worker).toBe(worker);
      // Commands really shared transactions.
      expect(store.database.stats.groups).toBeLessThan(store.database.stats.commands);
      // Subscribers got exactly the log, in seq order, each event once.
      const log = await allEvents(store);
      expect(seen.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
      expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq)].sort((a, b) => a - b));
      expect(log.filter((e) => e.type === 'task.completed')).toHaveLength(300);
      expect(log.filter((e) => e.type === 'task.claimed')).toHaveLength(300);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a command the database refuses does not fail the others of its group, and changes nothing', async () => {
    const schema = freshSchema('group');
    const store = await open(schema);
    // An operator's rule the rules in core know nothing of: the database refuses one value.
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE FUNCTION "${schema}".refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.output = 'poison' THEN RAISE EXCEPTION 'poison refused' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$`);
      await admin.query(
        `CREATE TRIGGER refuse_poison BEFORE UPDATE ON "${schema}".tasks FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_poison()`,
      );
      await store.addTasks({ tasks: Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, description: 'x' })) });
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.claimNextTask({ workerId: `w${i}` })),
      );
      const before = (await allEvents(store)).length;
      const results = await Promise.allSettled(
        claims.map((c, i) =>
          store.completeTask({ taskId: c!.task.id, workerId: `w${i}`, output: i === 5 ? 'poison' : 'fine' }),
        ),
      );
      const refused = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ i, error: r.reason as { code: string } }] : [],
      );
      expect(refused).toEqual([{ i: 5, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) }]);
      // They were sent together: the group holding the refused one failed and its commands ran again alone.
      expect(store.database.stats.retries).toBeGreaterThan(0);
      // The refused complete changed nothing: still claimed by its worker, no event for it.
      const poisoned = await store.getTask({ taskId: claims[5]!.task.id });
      expect(poisoned).toMatchObject({ status: 'claimed', worker: 'w5', output: null });
      const after = (await allEvents(store)).slice(before);
      expect(after.filter((e) => e.type === 'task.completed')).toHaveLength(11);
      expect(after.some((e) => e.taskId === poisoned.id)).toBe(false);
      expect((await store.stats()).tasks.done).toBe(11);
    } finally {
      await admin.end();
      await store.close();
    }
  }, 60_000);
});
