// Property test: random command sequences with clock jumps, run on the memory store and another store side by side.
//
// After every step: both stores gave the same answer (value or error code) and hold the same state,
// and the invariants hold — a task has at most one holder, a slot at most one active task,
// `available` ⇔ every dependency done, `done` never changes, `seq` strictly increases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CoordinatorOptions } from '../coordinator.js';
import { DomainError } from '../errors.js';
import { isActive, type Task, type TaskEvent } from '../model.js';
import { createMemoryStore } from '../memory/index.js';
import type { Store } from '../store.js';
import { allPages } from '../paging.js';
import { fakeClock, sequentialIds, type FakeClock } from './fake-clock.js';

const TTL = 10_000;
const SLOTS = 3;

const LETTERS = 'abcdefghijkl'.split('');
const taskId = fc.constantFrom(...LETTERS);
const workerId = fc.constantFrom('w1', 'w2', 'w3', 'w4');
const label = fc.constantFrom('x', 'y');
const slot = fc.integer({ min: 1, max: SLOTS });

const SEEDED = 6;

const content = {
  description: fc.constantFrom('do it', 'something else'),
  priority: fc.integer({ min: -1, max: 2 }),
  labels: fc.uniqueArray(label, { maxLength: 2 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
};

/** The first board: tasks a..f, each depending on some earlier ones — always a valid DAG. */
const seed = fc.tuple(
  ...LETTERS.slice(0, SEEDED).map((id, index) =>
    fc
      .record({ dependencies: fc.subarray(LETTERS.slice(0, index), { maxLength: Math.min(2, index) }), ...content })
      .map((t) => ({ id, ...t })),
  ),
);

/**
 * Later tasks: mostly new ids (g..l, or none) depending on any letter, so unknown dependencies,
 * cycles within a batch, idempotent re-adds and TASK_EXISTS all happen now and then.
 */
const laterTask = fc
  .record({
    id: fc.option(fc.constantFrom(...LETTERS.slice(SEEDED), ...LETTERS.slice(SEEDED), 'a'), {
      nil: undefined,
      freq: 8,
    }),
    dependencies: fc.uniqueArray(taskId, { maxLength: 2 }),
    ...content,
  })
  .map(({ id, ...rest }) => (id === undefined ? rest : { id, ...rest }));
const batch = fc.uniqueArray(laterTask, { minLength: 1, maxLength: 4, selector: (t) => ('id' in t ? t.id : t) });

const command = fc.oneof(
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('add' as const), tasks: batch }) },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('claimNext' as const),
      worker: workerId,
      labels: fc.option(fc.uniqueArray(label, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('claim' as const), taskId, worker: workerId, slot }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('claimSlot' as const), worker: fc.option(workerId, { nil: null }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('releaseSlot' as const),
      slot,
      worker: fc.option(workerId, { nil: undefined }),
    }),
  },
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant('own' as const),
      worker: workerId,
      action: fc.constantFrom('start', 'complete', 'complete', 'fail', 'failRetry', 'release'),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('holder' as const),
      taskId,
      worker: workerId,
      action: fc.constantFrom('start', 'complete', 'fail', 'release'),
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), worker: workerId }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reset' as const), taskId }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), taskId }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 0, max: 2 * TTL }),
      sweep: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      taskId,
      priority: fc.integer({ min: -1, max: 2 }),
      labels: fc.uniqueArray(label, { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cleanAll' as const }) },
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

async function attempt(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { ok: false, code: error.code };
  }
}

async function run(store: Store, clock: FakeClock, cmd: Command): Promise<Outcome> {
  switch (cmd.kind) {
    case 'add':
      return attempt(() => store.addTasks({ tasks: cmd.tasks }));
    case 'claimNext':
      return attempt(() =>
        store.claimNextTask({ workerId: cmd.worker, ...(cmd.labels ? { labels: cmd.labels } : {}) }),
      );
    case 'claim':
      return attempt(() => store.claimTask({ taskId: cmd.taskId, workerId: cmd.worker, slot: cmd.slot }));
    case 'claimSlot':
      return attempt(() => store.claimSlot(cmd.worker === null ? {} : { workerId: cmd.worker }));
    case 'releaseSlot':
      return attempt(() => store.releaseSlot({ slot: cmd.slot, ...(cmd.worker ? { workerId: cmd.worker } : {}) }));
    case 'own': {
      const held = (await store.listTasks({ worker: cmd.worker, status: ['claimed', 'working'] })).tasks[0];
      if (!held) return { ok: true, value: 'holds nothing' };
      return holderAction(store, held.id, cmd.worker, cmd.action);
    }
    case 'holder':
      return holderAction(store, cmd.taskId, cmd.worker, cmd.action);
    case 'heartbeat':
      return attempt(() => store.heartbeat({ workerId: cmd.worker }));
    case 'reset':
      return attempt(() => store.resetTask({ taskId: cmd.taskId }));
    case 'cancel':
      return attempt(() => store.cancelTask({ taskId: cmd.taskId }));
    case 'tick':
      clock.advance(cmd.ms);
      return cmd.sweep ? attempt(() => store.expireLeases()) : { ok: true, value: clock.now() };
    case 'edit':
      return attempt(() => store.editTask({ taskId: cmd.taskId, priority: cmd.priority, labels: cmd.labels }));
    case 'cleanAll':
      return attempt(() => store.cleanAll());
  }
}

function holderAction(store: Store, id: string, worker: string, action: string): Promise<Outcome> {
  const base = { taskId: id, workerId: worker };
  switch (action) {
    case 'start':
      return attempt(() => store.startTask(base));
    case 'complete':
      return attempt(() => store.completeTask({ ...base, output: `by ${worker}` }));
    case 'fail':
      return attempt(() => store.failTask({ ...base, error: 'failed' }));
    case 'failRetry':
      return attempt(() => store.failTask({ ...base, error: 'retry me', retry: true }));
    default:
      return attempt(() => store.releaseTask(base));
  }
}

async function state(store: Store) {
  const tasks = await allPages((after) => store.listTasks({ limit: 1000, ...after }));
  const events: TaskEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.events({ afterSeq: after, limit: 1000 });
    if (!page.length) break;
    events.push(...page);
    after = page.at(-1)!.seq;
  }
  return { tasks, slots: await store.listSlots(), events };
}

type State = Awaited<ReturnType<typeof state>>;

function checkInvariants(s: State, doneSeen: Map<string, Task>, lastSeq: number): void {
  const byId = new Map(s.tasks.map((t) => [t.id, t] as const));
  const slotOf = new Map(s.slots.filter((v) => !v.free).map((v) => [v.slot, v] as const));
  const activeInSlot = new Map<number, string>();
  for (const task of s.tasks) {
    const depsDone = task.dependencies.every((d) => byId.get(d)?.status === 'done');
    if (task.status === 'available' || task.status === 'blocked') {
      expect(task.status === 'available', `${task.id}: available ⇔ every dependency done`).toBe(depsDone);
    }
    if (isActive(task.status) || task.status === 'done')
      expect(depsDone, `${task.id} ran before its dependencies`).toBe(true);
    if (isActive(task.status)) {
      expect(task.worker, `${task.id} active without a holder`).not.toBeNull();
      expect(task.leaseExpiresAt).not.toBeNull();
      const slotNumber = task.slot as number;
      expect(activeInSlot.get(slotNumber), `slot ${slotNumber} holds two tasks`).toBeUndefined();
      activeInSlot.set(slotNumber, task.id);
      expect(slotOf.get(slotNumber), `${task.id}'s slot is not held`).toMatchObject({
        taskId: task.id,
        worker: task.worker,
      });
    } else {
      expect(task.slot, `${task.id} keeps a slot while ${task.status}`).toBeNull();
      expect(task.leaseExpiresAt).toBeNull();
    }
    const seen = doneSeen.get(task.id);
    if (seen) expect(task, `done task ${task.id} changed`).toEqual(seen);
    if (task.status === 'done') doneSeen.set(task.id, task);
  }
  for (const held of slotOf.values()) {
    if (held.taskId !== null)
      expect(activeInSlot.get(held.slot), `slot ${held.slot} points at a task that is not in it`).toBe(held.taskId);
  }
  for (let i = 0; i < s.events.length; i++) {
    const seq = s.events[i]!.seq;
    if (i > 0) expect(seq).toBeGreaterThan(s.events[i - 1]!.seq);
  }
  expect(s.events.at(-1)?.seq ?? 0).toBeGreaterThanOrEqual(lastSeq);
}

export interface PropertyTestOptions {
  /** Shown in the test name, e.g. "sqlite". */
  name: string;
  /** A fresh, empty store using the given clock, ids and config. */
  create: (options: CoordinatorOptions) => Promise<Store> | Store;
  /** How many random sequences (default 150). */
  runs?: number;
}

/** Registers the property test: `create`'s store against the memory store, command by command. */
export function describeStorePropertyTest(options: PropertyTestOptions): void {
  describe(`property: memory and ${options.name} stores agree and keep the invariants`, () => {
    it('under random command sequences with clock jumps', async () => {
      await fc.assert(
        fc.asyncProperty(
          seed,
          fc.array(command, { minLength: 1, maxLength: 80, size: 'large' }),
          async (first, rest) => {
            const commands: Command[] = [{ kind: 'add', tasks: first }, ...rest];
            const config = { slots: SLOTS, leaseTtlMs: TTL };
            const memClock = fakeClock();
            const otherClock = fakeClock();
            const memory = createMemoryStore({ clock: memClock.now, newId: sequentialIds(), config });
            const other = await options.create({ clock: otherClock.now, newId: sequentialIds(), config });
            const doneSeen = new Map<string, Task>();
            let lastSeq = 0;
            try {
              for (const cmd of commands) {
                const [a, b] = [await run(memory, memClock, cmd), await run(other, otherClock, cmd)];
                expect(b, `same answer to ${JSON.stringify(cmd)}`).toEqual(a);
                if (cmd.kind === 'cleanAll' && a.ok) doneSeen.clear();
                const [sa, sb] = [await state(memory), await state(other)];
                expect(sb).toEqual(sa);
                checkInvariants(sa, doneSeen, lastSeq);
                lastSeq = sa.events.at(-1)?.seq ?? 0;
              }
            } finally {
              await memory.close();
              await other.close();
            }
          },
        ),
        { numRuns: options.runs ?? 150 },
      );
    }, 600_000);
  });
}
