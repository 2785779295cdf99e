// Contract: events and reads (history, feed, subscriptions, listing with cursors), and races.
import { describe, expect, it } from 'vitest';
import type { Actor, TaskEvent } from '../model.js';
import { DomainError } from '../errors.js';
import { rejects, TTL, type Harness } from './harness.js';

export function feedContract(h: Harness): void {
  describe('events', () => {
    it('every change appends events with strictly increasing seq; listeners get them after commit, in order', async () => {
      const { store } = await h.open();
      const seen: TaskEvent[] = [];
      const stop = store.subscribe((event) => seen.push(event));
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      await store.claimNextTask({ workerId: 'w' });
      await store.startTask({ taskId: 'a', workerId: 'w' });
      await store.completeTask({ taskId: 'a', workerId: 'w' });
      await rejects(store.completeTask({ taskId: 'b', workerId: 'w' }), 'LEASE_LOST');
      stop();
      await store.claimNextTask({ workerId: 'w' });
      const all = await store.events({ limit: 100 });
      expect(seen).toEqual(all.slice(0, seen.length));
      expect(seen.map((e) => e.type)).toEqual([
        'task.added',
        'task.added',
        'slot.claimed',
        'task.claimed',
        'task.started',
        'task.unblocked',
        'task.completed',
      ]);
      for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
      expect(all.at(-1)).toMatchObject({
        type: 'task.claimed',
        taskId: 'b',
        workerId: 'w',
        slot: 1,
        project: 'default',
      });
    });

    it('every event of a change records its actor (token name, worker) in data.actor; changes without one record none', async () => {
      let actor: Actor | null = { token: 'ci-bot', worker: null };
      const { store, clock } = await h.open({}, { actor: () => actor });
      await store.addTasks({ tasks: [{ id: 'a', description: 'a' }] });
      actor = { token: 'alice', worker: 'agent-7' };
      await store.claimNextTask({ workerId: 'agent-7' });
      actor = null;
      clock.advance(TTL + 1);
      await store.expireLeases();
      const events = await store.events({ limit: 100 });
      expect(events.map((e) => [e.type, e.data.actor ?? null])).toEqual([
        ['task.added', { token: 'ci-bot' }],
        ['slot.claimed', { token: 'alice', worker: 'agent-7' }],
        ['task.claimed', { token: 'alice', worker: 'agent-7' }],
        ['task.expired', null],
        ['slot.expired', null],
      ]);
      expect((await store.taskHistory({ taskId: 'a' }))[1]?.data.actor).toEqual({ token: 'alice', worker: 'agent-7' });
    });

    it('a listener that throws does not break the command or other listeners', async () => {
      const { store } = await h.open();
      const seen: string[] = [];
      store.subscribe(() => {
        throw new Error('listener bug');
      });
      store.subscribe((event) => seen.push(event.type));
      await expect(store.addTask({ id: 'a', description: 'a' })).resolves.toMatchObject({ id: 'a' });
      expect(seen).toEqual(['task.added']);
    });

    it('reads the feed after a seq, a page at a time, and per project', async () => {
      const { store } = await h.open();
      for (let i = 0; i < 5; i++) await store.addTask({ id: `t${i}`, description: 'x' });
      await store.addTask({ id: 'other', description: 'x', project: 'elsewhere' });
      const first = await store.events({ limit: 2 });
      const rest = await store.events({ afterSeq: first.at(-1)!.seq, limit: 100 });
      expect([...first, ...rest].map((e) => e.taskId)).toEqual(['t0', 't1', 't2', 't3', 't4', 'other']);
      expect((await store.events({ project: 'elsewhere' })).map((e) => e.taskId)).toEqual(['other']);
    });

    it('filters the audit log by task, worker, type, project and time, a page at a time', async () => {
      const { store, clock } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
        ],
      });
      await store.addTask({ id: 'a', description: 'other a', project: 'other' });
      const t0 = clock.advance(1000);
      await store.claimNextTask({ workerId: 'w1' });
      await store.completeTask({ taskId: 'a', workerId: 'w1' });
      const t1 = clock.advance(1000);
      await store.claimNextTask({ workerId: 'w2' });
      await store.failTask({ taskId: 'b', workerId: 'w2', error: 'no' });
      await store.claimNextTask({ workerId: 'w1', project: 'other' });
      const pick = (events: { type: string; taskId: string | null; project: string }[]) =>
        events.map((e) => `${e.project}:${e.type}:${e.taskId ?? ''}`);

      expect(pick(await store.events({ taskId: 'a', project: 'default' }))).toEqual([
        'default:task.added:a',
        'default:task.claimed:a',
        'default:task.completed:a',
      ]);
      expect(pick(await store.events({ taskId: 'a' }))).toEqual([
        'default:task.added:a',
        'other:task.added:a',
        'default:task.claimed:a',
        'default:task.completed:a',
        'other:task.claimed:a',
      ]);
      expect(pick(await store.events({ workerId: 'w1', type: ['task.claimed'] }))).toEqual([
        'default:task.claimed:a',
        'other:task.claimed:a',
      ]);
      expect(pick(await store.events({ type: ['task.completed', 'task.failed'], project: 'default' }))).toEqual([
        'default:task.completed:a',
        'default:task.failed:b',
      ]);
      expect(pick(await store.events({ since: t0, until: t1, type: ['task.claimed', 'task.completed'] }))).toEqual([
        'default:task.claimed:a',
        'default:task.completed:a',
      ]);
      expect(pick(await store.events({ since: new Date(t1).toISOString(), project: 'other' }))).toEqual([
        'other:slot.claimed:',
        'other:task.claimed:a',
      ]);

      // The cursor: afterSeq = the last seq read; pages of a filtered query cover every match once.
      const all = await store.events({ workerId: 'w1' });
      const first = await store.events({ workerId: 'w1', limit: 2 });
      const rest = await store.events({ workerId: 'w1', afterSeq: first.at(-1)!.seq });
      expect([...first, ...rest]).toEqual(all);
      expect(all.every((e) => e.workerId === 'w1')).toBe(true);

      // Newest first: order=desc, paged with beforeSeq; plain and filtered, every match once.
      const everything = await store.events({ limit: 1000 });
      const newest = await store.events({ order: 'desc', limit: 3 });
      expect(newest).toEqual(everything.slice(-3).reverse());
      const older = await store.events({ order: 'desc', beforeSeq: newest.at(-1)!.seq, limit: 1000 });
      expect([...newest, ...older]).toEqual([...everything].reverse());
      const mineFirst = await store.events({ workerId: 'w1', order: 'desc', limit: 2 });
      const mineRest = await store.events({ workerId: 'w1', order: 'desc', beforeSeq: mineFirst.at(-1)!.seq });
      expect([...mineFirst, ...mineRest]).toEqual([...all].reverse());
      await rejects(store.events({ type: ['task.exploded' as never] }), 'VALIDATION_FAILED');
      await rejects(store.events({ since: 'yesterday' }), 'VALIDATION_FAILED');
    });

    it("a task's history is its events, oldest first", async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.releaseTask({ taskId: 't', workerId: 'w' });
      const history = await store.taskHistory({ taskId: 't' });
      expect(history.map((e) => e.type)).toEqual(['task.added', 'task.claimed', 'task.released']);
      expect(history[0]?.data).toMatchObject({
        to: 'available',
        description: 't',
        priority: 0,
        dependencies: [],
        maxAttempts: 3,
      });
    });
  });

  describe('reads', () => {
    it('getTask shows dependents; an unknown id is TASK_NOT_FOUND', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
          { id: 'c', description: 'c', dependencies: ['a'] },
        ],
      });
      expect((await store.getTask({ taskId: 'a' })).dependents).toEqual(['b', 'c']);
      const error = await rejects(store.getTask({ taskId: 'zzz' }), 'TASK_NOT_FOUND');
      expect(error.httpStatus).toBe(404);
    });

    it('lists with filters, and cursor pages cover every task exactly once in creation order', async () => {
      const { store } = await h.open();
      const ids = Array.from({ length: 25 }, (_, i) => `task-${String(i).padStart(2, '0')}`);
      await store.addTasks({
        tasks: ids.map((id, i) => ({ id, description: i % 2 ? 'Odd one' : 'even one', labels: i % 5 ? [] : ['five'] })),
      });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listTasks({ limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.tasks.map((t) => t.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(pages).toBe(4);
      expect((await store.listTasks({ label: 'five' })).tasks.map((t) => t.id)).toEqual([
        'task-00',
        'task-05',
        'task-10',
        'task-15',
        'task-20',
      ]);
      expect((await store.listTasks({ text: 'ODD', limit: 1000 })).tasks).toHaveLength(12);
      await store.addTask({ id: 'accent', description: 'Élan vital' });
      expect((await store.listTasks({ text: 'élan' })).tasks.map((t) => t.id)).toEqual(['accent']);
      await store.claimNextTask({ workerId: 'w' });
      expect((await store.listTasks({ status: ['claimed'] })).tasks.map((t) => t.id)).toEqual(['task-00']);
      expect((await store.listTasks({ worker: 'w' })).tasks.map((t) => t.id)).toEqual(['task-00']);
      await rejects(store.listTasks({ cursor: 'not-a-cursor' }), 'VALIDATION_FAILED');
    });

    it('stats count tasks by status and slots in use', async () => {
      const { store } = await h.open({ slots: 4 });
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
          { id: 'c', description: 'c' },
        ],
      });
      await store.claimNextTask({ workerId: 'w' });
      await store.claimSlot({ workerId: 'idle' });
      const stats = await store.stats();
      expect(stats).toMatchObject({
        project: 'default',
        total: 3,
        tasks: { available: 1, blocked: 1, claimed: 1, working: 0, done: 0, failed: 0, cancelled: 0 },
        slots: { total: 4, held: 2, busy: 1 },
      });
      expect(stats.lastSeq).toBe((await store.events()).at(-1)?.seq);
    });

    it("overview counts every project's tasks by status and its slots, in project order", async () => {
      const { store } = await h.open({ slots: 3 });
      expect(await store.overview()).toEqual([]);
      await store.addTasks({
        project: 'beta',
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      await store.addTask({ id: 'x', description: 'x', project: 'alpha' });
      await store.claimNextTask({ workerId: 'w', project: 'beta' });
      await store.claimSlot({ workerId: 'idle', project: 'gamma' });
      const zero = {
        blocked: 0,
        available: 0,
        claimed: 0,
        working: 0,
        waiting: 0,
        review: 0,
        done: 0,
        failed: 0,
        cancelled: 0,
      };
      expect(await store.overview()).toEqual([
        { project: 'alpha', tasks: { ...zero, available: 1 }, slots: { held: 0, busy: 0 } },
        { project: 'beta', tasks: { ...zero, claimed: 1, blocked: 1 }, slots: { held: 1, busy: 1 } },
        { project: 'gamma', tasks: zero, slots: { held: 1, busy: 0 } },
      ]);
    });

    it('slots are per project, and a project can have a slot count of its own', async () => {
      const { store } = await h.open({ slots: 1, projectSlots: { big: 3 } });
      await store.claimSlot({ workerId: 'a' });
      await rejects(store.claimSlot({ workerId: 'b' }), 'NO_FREE_SLOT');
      expect((await store.claimSlot({ workerId: 'b', project: 'other' })).slot.slot).toBe(1);
      for (const worker of ['x', 'y', 'z']) await store.claimSlot({ workerId: worker, project: 'big' });
      await rejects(store.claimSlot({ workerId: 'w', project: 'big' }), 'NO_FREE_SLOT');
      expect((await store.listSlots({ project: 'big' })).map((s) => s.worker)).toEqual(['x', 'y', 'z']);
      expect((await store.stats({ project: 'big' })).slots).toEqual({ total: 3, held: 3, busy: 0 });
      expect((await store.stats()).slots.total).toBe(1);
    });

    it('projects are separate boards', async () => {
      const { store } = await h.open({ slots: 1 });
      await store.addTask({ id: 'same-id', description: 'in alpha', project: 'alpha' });
      await store.addTask({ id: 'same-id', description: 'in beta', project: 'beta' });
      const a = await store.claimNextTask({ workerId: 'w', project: 'alpha' });
      const b = await store.claimNextTask({ workerId: 'w', project: 'beta' });
      expect([a?.task.description, b?.task.description]).toEqual(['in alpha', 'in beta']);
      expect(await store.claimNextTask({ workerId: 'v' })).toBeNull();
    });
  });

  describe('races', () => {
    it('32 concurrent claimers of one task: exactly one wins', async () => {
      const { store } = await h.open({ slots: 32 });
      await store.addTask({ id: 'prize', description: 'only one may have it' });
      const workers = await Promise.all(Array.from({ length: 32 }, (_, i) => store.claimSlot({ workerId: `w${i}` })));
      const outcomes = await Promise.allSettled(
        workers.map(({ slot }) =>
          store.claimTask({ taskId: 'prize', workerId: slot.worker as string, slot: slot.slot }),
        ),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect((o.reason as DomainError).code).toBe('NOT_CLAIMABLE');
      }
      const holder = (winners[0] as PromiseFulfilledResult<{ task: { worker: string } }>).value.task.worker;
      expect((await store.getTask({ taskId: 'prize' })).worker).toBe(holder);
    });

    it('32 workers running claim-next over 1,000 tasks: every task claimed exactly once', async () => {
      const { store } = await h.open({ slots: 32 });
      await store.addTasks({
        tasks: Array.from({ length: 1000 }, (_, i) => ({ id: `job-${i}`, description: `job ${i}` })),
      });
      const claims = new Map<string, string[]>();
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          const workerId = `worker-${w}`;
          for (let guard = 0; guard < 2000; guard++) {
            const got = await store.claimNextTask({ workerId });
            if (!got) return;
            claims.set(got.task.id, [...(claims.get(got.task.id) ?? []), workerId]);
            await store.completeTask({ taskId: got.task.id, workerId });
          }
        }),
      );
      expect(claims.size).toBe(1000);
      expect([...claims.values()].every((holders) => holders.length === 1)).toBe(true);
      const done = await store.listTasks({ status: ['done'], limit: 1000 });
      expect(done.tasks).toHaveLength(1000);
    });
  });
}
