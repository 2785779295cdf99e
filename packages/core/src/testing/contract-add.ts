// Contract: adding tasks — defaults, dependencies, cycles, all-or-nothing batches, idempotency, limits.
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../schemas.js';
import { rejects, snapshot, type Harness } from './harness.js';

export function addContract(h: Harness): void {
  describe('add', () => {
    it('adds a task with the documented defaults', async () => {
      const { store, clock } = await h.open();
      const task = await store.addTask({ id: 'a', description: 'do a' });
      expect(task).toMatchObject({
        id: 'a',
        project: 'default',
        description: 'do a',
        status: 'available',
        priority: 0,
        dependencies: [],
        labels: [],
        deadline: null,
        output: null,
        error: null,
        worker: null,
        slot: null,
        attempts: 0,
        maxAttempts: 3,
        leaseExpiresAt: null,
        createdAt: clock.now(),
        updatedAt: clock.now(),
        version: 1,
      });
      expect(await store.getTask({ taskId: 'a' })).toMatchObject({ ...task, dependents: [] });
    });

    it('generates an id when none is given', async () => {
      const { store } = await h.open();
      const task = await store.addTask({ description: 'anonymous' });
      expect(task.id).toMatch(/^[A-Za-z0-9._:/-]{1,128}$/);
      expect((await store.getTask({ taskId: task.id })).description).toBe('anonymous');
    });

    it('normalises labels and dependencies, and accepts an ISO deadline', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'x', description: 'x' },
          { id: 'y', description: 'y' },
        ],
      });
      const task = await store.addTask({
        id: 'z',
        description: 'z',
        dependencies: ['y', 'x', 'y'],
        labels: ['b', 'a', 'b'],
        deadline: '2026-03-01T12:00:00Z',
      });
      expect(task.dependencies).toEqual(['x', 'y']);
      expect(task.labels).toEqual(['a', 'b']);
      expect(task.deadline).toBe(Date.UTC(2026, 2, 1, 12));
    });

    it('a task whose dependency is not done starts blocked', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'a', description: 'a' });
      const b = await store.addTask({ id: 'b', description: 'b', dependencies: ['a'] });
      expect(b.status).toBe('blocked');
      expect((await store.getTask({ taskId: 'a' })).dependents).toEqual(['b']);
    });

    it('refuses an unknown dependency with UNKNOWN_DEPENDENCY and adds nothing', async () => {
      const { store } = await h.open();
      const before = await snapshot(store);
      const error = await rejects(
        store.addTask({ id: 'b', description: 'b', dependencies: ['ghost'] }),
        'UNKNOWN_DEPENDENCY',
      );
      expect(error.details).toMatchObject({ taskId: 'b', missing: ['ghost'] });
      expect(await snapshot(store)).toEqual(before);
    });

    it('refuses a self-dependency with DEPENDENCY_CYCLE', async () => {
      const { store } = await h.open();
      await rejects(store.addTask({ id: 'a', description: 'a', dependencies: ['a'] }), 'DEPENDENCY_CYCLE');
      await rejects(store.getTask({ taskId: 'a' }), 'TASK_NOT_FOUND');
    });

    it('refuses a cycle inside a batch, naming it, and adds none of the batch', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'root', description: 'root' });
      const before = await snapshot(store);
      const error = await rejects(
        store.addTasks({
          tasks: [
            { id: 'ok', description: 'ok', dependencies: ['root'] },
            { id: 'p', description: 'p', dependencies: ['r'] },
            { id: 'q', description: 'q', dependencies: ['p'] },
            { id: 'r', description: 'r', dependencies: ['q'] },
          ],
        }),
        'DEPENDENCY_CYCLE',
      );
      const cycle = (error.details as { cycle: string[] }).cycle;
      expect(new Set(cycle)).toEqual(new Set(['p', 'q', 'r']));
      expect(cycle[0]).toBe(cycle.at(-1));
      expect(await snapshot(store)).toEqual(before);
    });

    it('a batch may reference its own members in any order', async () => {
      const { store } = await h.open();
      const { tasks, created } = await store.addTasks({
        tasks: [
          { id: 'c', description: 'c', dependencies: ['b'] },
          { id: 'b', description: 'b', dependencies: ['a'] },
          { id: 'a', description: 'a' },
        ],
      });
      expect(created).toEqual(['c', 'b', 'a']);
      expect(tasks.map((t) => [t.id, t.status])).toEqual([
        ['c', 'blocked'],
        ['b', 'blocked'],
        ['a', 'available'],
      ]);
    });

    it('a batch is all-or-nothing: one bad member and none is added', async () => {
      const { store } = await h.open();
      const before = await snapshot(store);
      await rejects(
        store.addTasks({
          tasks: [
            { id: 'good-1', description: 'fine' },
            { id: 'good-2', description: 'fine', dependencies: ['good-1'] },
            { id: 'bad', description: 'bad', dependencies: ['missing'] },
          ],
        }),
        'UNKNOWN_DEPENDENCY',
      );
      expect(await snapshot(store)).toEqual(before);
    });

    it('re-adding identical content is an idempotent retry; different content is TASK_EXISTS', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'dep', description: 'dep' });
      const first = await store.addTasks({
        tasks: [{ id: 'a', description: 'a', labels: ['x', 'y'], dependencies: ['dep'], priority: 2 }],
      });
      const events = await store.events();
      const again = await store.addTasks({
        tasks: [{ id: 'a', description: 'a', labels: ['y', 'x'], dependencies: ['dep'], priority: 2 }],
      });
      expect(again).toEqual({ tasks: first.tasks, created: [], existing: ['a'] });
      expect(await store.events()).toEqual(events);
      const error = await rejects(store.addTask({ id: 'a', description: 'something else' }), 'TASK_EXISTS');
      expect(error.details).toMatchObject({ taskId: 'a' });
    });

    it('a batch mixing existing identical tasks and new ones creates only the new ones', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'a', description: 'a' });
      const { created, existing, tasks } = await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b', dependencies: ['a'] },
        ],
      });
      expect(created).toEqual(['b']);
      expect(existing).toEqual(['a']);
      expect(tasks.map((t) => t.status)).toEqual(['available', 'blocked']);
    });

    it('refuses the same id twice in one batch', async () => {
      const { store } = await h.open();
      const error = await rejects(
        store.addTasks({
          tasks: [
            { id: 'a', description: 'a' },
            { id: 'a', description: 'a' },
          ],
        }),
        'VALIDATION_FAILED',
      );
      expect(JSON.stringify(error.details)).toContain('tasks[1].id');
    });

    describe('limits: every violation is VALIDATION_FAILED naming the field, and changes nothing', () => {
      const cases: Array<[string, unknown, string]> = [
        ['an id with a space', { id: 'a b', description: 'x' }, 'tasks[0].id'],
        ['an id of 129 characters', { id: 'x'.repeat(LIMITS.idMaxLength + 1), description: 'x' }, 'tasks[0].id'],
        ['an id with NUL', { id: 'a\u0000b', description: 'x' }, 'tasks[0].id'],
        ['an empty description', { id: 'a', description: '' }, 'tasks[0].description'],
        [
          'a description over 64 KiB',
          { id: 'a', description: 'é'.repeat(LIMITS.descriptionMaxBytes / 2 + 1) },
          'tasks[0].description',
        ],
        ['a description that is not text', { id: 'a', description: 42 }, 'tasks[0].description'],
        ['a description with NUL', { id: 'a', description: 'before\u0000after' }, 'tasks[0].description'],
        [
          '1,001 dependencies',
          {
            id: 'a',
            description: 'x',
            dependencies: Array.from({ length: LIMITS.dependenciesMax + 1 }, (_, i) => `d${i}`),
          },
          'tasks[0].dependencies',
        ],
        [
          'a dependency that is not an id',
          { id: 'a', description: 'x', dependencies: [''] },
          'tasks[0].dependencies[0]',
        ],
        ['a fractional priority', { id: 'a', description: 'x', priority: 1.5 }, 'tasks[0].priority'],
        [
          'a priority out of range',
          { id: 'a', description: 'x', priority: LIMITS.priorityMax + 1 },
          'tasks[0].priority',
        ],
        [
          '33 labels',
          { id: 'a', description: 'x', labels: Array.from({ length: LIMITS.labelsMax + 1 }, (_, i) => `l${i}`) },
          'tasks[0].labels',
        ],
        [
          'a label of 65 characters',
          { id: 'a', description: 'x', labels: ['l'.repeat(LIMITS.labelMaxLength + 1)] },
          'tasks[0].labels[0]',
        ],
        ['a deadline that is no date', { id: 'a', description: 'x', deadline: 'tomorrow-ish' }, 'tasks[0].deadline'],
        ['maxAttempts 0', { id: 'a', description: 'x', maxAttempts: 0 }, 'tasks[0].maxAttempts'],
        ['an unknown field', { id: 'a', description: 'x', dependecies: [] }, 'tasks[0]'],
        ['a __proto__ key', JSON.parse('{"id":"a","description":"x","__proto__":{"admin":true}}'), 'tasks[0]'],
      ];
      for (const [what, task, field] of cases) {
        it(`refuses ${what}`, async () => {
          const { store } = await h.open();
          const before = await snapshot(store);
          const error = await rejects(store.addTasks({ tasks: [task as never] }), 'VALIDATION_FAILED');
          const paths = (error.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
          expect(
            paths.some((p) => p.startsWith(field)),
            `${paths.join(', ')} should name ${field}`,
          ).toBe(true);
          expect(error.message).toContain(field);
          expect(await snapshot(store)).toEqual(before);
        });
      }

      it('refuses an empty batch and a batch that is not a list', async () => {
        const { store } = await h.open();
        await rejects(store.addTasks({ tasks: [] }), 'VALIDATION_FAILED');
        await rejects(store.addTasks({ tasks: 'a' } as never), 'VALIDATION_FAILED');
        await rejects(store.addTasks(null as never), 'VALIDATION_FAILED');
      });
    });
  });
}
