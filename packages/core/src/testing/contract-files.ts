// Contract: file reservations (issue 13): reserve/release/check, all-or-nothing, lifetime under the
// task's lease, declared task files, and claim-next scheduling around what other workers hold.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { rejects, snapshot, TTL, type Harness } from './harness.js';

async function held(store: Store, workerId: string, taskId: string, files?: string[]): Promise<void> {
  await store.addTask({ id: taskId, description: taskId, ...(files ? { files } : {}) });
  const { slot } = await store.claimSlot({ workerId });
  await store.claimTask({ taskId, workerId, slot: slot.slot });
}

const releasedEvents = async (store: Store, taskId: string) =>
  (await store.events({ taskId, type: ['files.released'] })).map((e) => e.data);

export function filesContract(h: Harness): void {
  describe('file reservations', () => {
    it('the holder reserves; the answer, the list and the task read show them; files.reserved is emitted', async () => {
      const { store, clock } = await h.open();
      await held(store, 'w1', 'a');
      const { reservations } = await store.reserveFiles({
        taskId: 'a',
        workerId: 'w1',
        patterns: ['./src//auth/', 'src\\x.ts'],
        reason: 'refactor',
      });
      const expected = [
        {
          project: 'default',
          pattern: 'src/auth/**',
          mode: 'exclusive',
          worker: 'w1',
          taskId: 'a',
          reason: 'refactor',
          createdAt: clock.now(),
        },
        {
          project: 'default',
          pattern: 'src/x.ts',
          mode: 'exclusive',
          worker: 'w1',
          taskId: 'a',
          reason: 'refactor',
          createdAt: clock.now(),
        },
      ];
      expect(reservations).toEqual(expected);
      expect((await store.listReservations()).reservations).toEqual(expected);
      expect((await store.listReservations({ worker: 'w2' })).reservations).toEqual([]);
      expect((await store.getTask({ taskId: 'a' })).reservations).toEqual(expected);
      const [event] = await store.events({ type: ['files.reserved'] });
      expect(event).toMatchObject({
        taskId: 'a',
        workerId: 'w1',
        data: { taskId: 'a', worker: 'w1', reservations: expected },
      });
    });

    it('a conflict refuses the whole request, names each conflict and changes nothing', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a');
      await held(store, 'w2', 'b');
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['src/auth/**'] });
      const before = await snapshot(store);
      const error = await rejects(
        store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['docs/x.md', 'src/*/login.ts'] }),
        'FILES_CONFLICT',
      );
      expect(error.details).toEqual({
        conflicts: [
          {
            pattern: 'src/*/login.ts',
            heldPattern: 'src/auth/**',
            mode: 'exclusive',
            worker: 'w1',
            taskId: 'a',
            since: expect.any(Number),
          },
        ],
      });
      expect(await snapshot(store)).toEqual(before);
      // Disjoint globs do not conflict; the same worker never conflicts with itself.
      await store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['src/*.md', 'lib/**'] });
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['src/auth/login.ts'] });
    });

    it('shared with shared is fine; exclusive with shared conflicts either way', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a');
      await held(store, 'w2', 'b');
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['package.json'], mode: 'shared' });
      await store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['package.json'], mode: 'shared' });
      await rejects(store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['*.json'] }), 'FILES_CONFLICT');
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['src/**'] });
      await rejects(
        store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['src/a.ts'], mode: 'shared' }),
        'FILES_CONFLICT',
      );
    });

    it('bad patterns and reserving without holding the task are refused, changing nothing', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a');
      await store.addTask({ id: 'free', description: 'not held' });
      const before = await snapshot(store);
      const bad = [['../x'], ['src/../x'], ['/etc/passwd'], ['C:\\x'], [''], ['  '], [], ['a'.repeat(513)]];
      bad.push(Array.from({ length: 65 }, (_, i) => `f${i}`));
      for (const patterns of bad)
        await rejects(store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns }), 'VALIDATION_FAILED');
      await rejects(store.reserveFiles({ taskId: 'a', workerId: 'w2', patterns: ['x'] }), 'LEASE_LOST');
      await rejects(store.reserveFiles({ taskId: 'free', workerId: 'w1', patterns: ['x'] }), 'LEASE_LOST');
      await rejects(store.reserveFiles({ taskId: 'nope', workerId: 'w1', patterns: ['x'] }), 'TASK_NOT_FOUND');
      await rejects(store.addTask({ id: 'bad', description: 'd', files: ['../up'] }), 'VALIDATION_FAILED');
      expect(await snapshot(store)).toEqual(before);
    });

    it('release_files: some patterns, then the rest; files.released says released', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a');
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['x', 'y', 'z'] });
      const some = await store.releaseFiles({ taskId: 'a', workerId: 'w1', patterns: ['y'] });
      expect(some.released.map((r) => r.pattern)).toEqual(['y']);
      await rejects(store.releaseFiles({ taskId: 'a', workerId: 'w2' }), 'LEASE_LOST');
      const rest = await store.releaseFiles({ taskId: 'a', workerId: 'w1' });
      expect(rest.released.map((r) => r.pattern)).toEqual(['x', 'z']);
      expect((await store.listReservations()).reservations).toEqual([]);
      expect(await releasedEvents(store, 'a')).toEqual([
        expect.objectContaining({ taskId: 'a', worker: 'w1', patterns: ['y'], reason: 'released' }),
        expect.objectContaining({ taskId: 'a', worker: 'w1', patterns: ['x', 'z'], reason: 'released' }),
      ]);
    });

    const endings: Array<[string, (store: Store, clock: { advance: (ms: number) => number }) => Promise<unknown>]> = [
      ['complete', (s) => s.completeTask({ taskId: 'a', workerId: 'w1' })],
      ['fail', (s) => s.failTask({ taskId: 'a', workerId: 'w1', error: 'x' })],
      ['fail with retry', (s) => s.failTask({ taskId: 'a', workerId: 'w1', retry: true })],
      ['release', (s) => s.releaseTask({ taskId: 'a', workerId: 'w1' })],
      ['cancel', (s) => s.cancelTask({ taskId: 'a' })],
      [
        'expire',
        async (s, clock) => {
          clock.advance(TTL + 1);
          return s.expireLeases();
        },
      ],
    ];
    for (const [name, end] of endings) {
      it(`${name}: the task's reservations go in the same step, with files.released (task-finished)`, async () => {
        const { store, clock } = await h.open();
        await held(store, 'w1', 'a', ['declared/**']);
        await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['src/**', 'docs/a.md'] });
        await end(store, clock);
        expect((await store.listReservations()).reservations).toEqual([]);
        expect(await releasedEvents(store, 'a')).toEqual([
          expect.objectContaining({
            taskId: 'a',
            worker: 'w1',
            patterns: ['docs/a.md', 'src/**'],
            reason: 'task-finished',
          }),
        ]);
        expect(
          (await store.checkFiles({ paths: ['src/x.ts', 'declared/y'], workerId: 'w2' })).results.map((r) => r.free),
        ).toEqual([true, true]);
      });
    }

    it('review (a gated task reported done) ends the reservations too', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 'a', description: 'a', review: true });
      await store.claimNextTask({ workerId: 'w1' });
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['x'] });
      expect((await store.completeTask({ taskId: 'a', workerId: 'w1' })).task.status).toBe('review');
      expect((await store.listReservations()).reservations).toEqual([]);
    });

    it('check_files: holders of other workers, reservations and declared files; your own never make a path busy', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a', ['src/auth/**']);
      await held(store, 'w2', 'b');
      await store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['docs/**'], mode: 'shared' });
      const { results } = await store.checkFiles({
        paths: ['src/auth/login.ts', 'docs/x.md', 'README.md'],
        workerId: 'w1',
      });
      expect(results).toEqual([
        { path: 'src/auth/login.ts', free: true, holders: [] },
        {
          path: 'docs/x.md',
          free: false,
          holders: [
            {
              pattern: 'docs/**',
              mode: 'shared',
              worker: 'w2',
              taskId: 'b',
              since: expect.any(Number),
              kind: 'reservation',
            },
          ],
        },
        { path: 'README.md', free: true, holders: [] },
      ]);
      const other = await store.checkFiles({ paths: ['./src/auth/login.ts'] });
      expect(other.results[0]).toMatchObject({
        path: 'src/auth/login.ts',
        free: false,
        holders: [{ pattern: 'src/auth/**', mode: 'exclusive', worker: 'w1', taskId: 'a', kind: 'declared' }],
      });
      await rejects(store.checkFiles({ paths: ['/abs'] }), 'VALIDATION_FAILED');
    });

    it('tasks declare files on add, in batches and by edit, normalised', async () => {
      const { store } = await h.open();
      const added = await store.addTask({ id: 'a', description: 'a', files: ['./src/a.ts', 'lib/', 'src/a.ts'] });
      expect(added.files).toEqual(['src/a.ts', 'lib/**']);
      await store.addTasks({
        tasks: [
          { id: 'b', description: 'b', files: ['x/**'] },
          { id: 'c', description: 'c' },
        ],
      });
      expect((await store.getTask({ taskId: 'b' })).files).toEqual(['x/**']);
      expect((await store.getTask({ taskId: 'c' })).files).toEqual([]);
      const { task } = await store.editTask({ taskId: 'c', files: ['docs\\y.md'] });
      expect(task.files).toEqual(['docs/y.md']);
      expect((await store.getTask({ taskId: 'c' })).files).toEqual(['docs/y.md']);
    });

    it("a held task's new declared files must not take what another worker holds; unchanged ones and free ones may", async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a', files: ['src/a/**'] },
          { id: 'b', description: 'b' },
        ],
      });
      expect((await store.claimNextTask({ workerId: 'w1' }))?.task.id).toBe('a');
      expect((await store.claimNextTask({ workerId: 'w2' }))?.task.id).toBe('b');
      await store.reserveFiles({ taskId: 'b', workerId: 'w2', patterns: ['src/b/**'] });
      const before = await snapshot(store);
      const error = await rejects(store.editTask({ taskId: 'a', files: ['src/a/**', 'src/b/x.ts'] }), 'FILES_CONFLICT');
      expect(error.message).toContain('src/b/x.ts conflicts with src/b/** held (exclusive) by w2 on task b');
      expect(await snapshot(store)).toEqual(before);
      // The holder's own files, and files nobody holds, may be declared.
      expect((await store.editTask({ taskId: 'a', files: ['src/a/**', 'docs/**'] })).task.files).toEqual([
        'src/a/**',
        'docs/**',
      ]);
      // An available task declares anything: claim-next schedules around what is held.
      await store.addTask({ id: 'c', description: 'c' });
      expect((await store.editTask({ taskId: 'c', files: ['src/b/**'] })).task.files).toEqual(['src/b/**']);
    });
  });

  describe('conflict-aware claim-next', () => {
    it('skips a task whose files another worker holds, hands it out once that is done; order otherwise unchanged', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'auth', description: 'auth', priority: 3, files: ['src/auth/**'] },
          { id: 'login', description: 'login', priority: 2, files: ['src/auth/login.ts'] },
          { id: 'docs', description: 'docs', priority: 1, files: ['docs/**'] },
          { id: 'plain', description: 'plain' },
        ],
      });
      expect((await store.claimNextTask({ workerId: 'w1' }))?.task.id).toBe('auth');
      const blocked = await store.getTask({ taskId: 'login' });
      expect(blocked.blockedBy).toEqual({
        pattern: 'src/auth/login.ts',
        heldPattern: 'src/auth/**',
        worker: 'w1',
        taskId: 'auth',
        since: expect.any(Number),
      });
      expect((await store.getTask({ taskId: 'docs' })).blockedBy).toBeNull();
      expect((await store.claimNextTask({ workerId: 'w2' }))?.task.id).toBe('docs');
      const { slot } = await store.claimSlot({ workerId: 'w3' });
      await rejects(store.claimTask({ taskId: 'login', workerId: 'w3', slot: slot.slot }), 'FILES_CONFLICT');
      expect((await store.claimNextTask({ workerId: 'w3' }))?.task.id).toBe('plain');
      await store.completeTask({ taskId: 'docs', workerId: 'w2' });
      expect((await store.claimNextTask({ workerId: 'w2' })) ?? null).toBeNull();
      await store.completeTask({ taskId: 'auth', workerId: 'w1' });
      expect((await store.getTask({ taskId: 'login' })).blockedBy).toBeNull();
      expect((await store.claimNextTask({ workerId: 'w2' }))?.task.id).toBe('login');
    });

    it('reservations keep tasks declaring those files from other workers until the holder finishes', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'a');
      await store.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['lib/**'] });
      await store.addTasks({
        tasks: [
          { id: 'lib', description: 'lib', priority: 5, files: ['lib/x.ts'] },
          { id: 'other', description: 'other', files: ['src/y.ts'] },
        ],
      });
      expect((await store.claimNextTask({ workerId: 'w2' }))?.task.id).toBe('other');
      await store.completeTask({ taskId: 'a', workerId: 'w1' });
      expect((await store.claimNextTask({ workerId: 'w3' }))?.task.id).toBe('lib');
    });

    it('claim after claim: tasks passed over are handed out once free, new tasks ahead of them go first', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'hold');
      await store.reserveFiles({ taskId: 'hold', workerId: 'w1', patterns: ['lib/**'] });
      await store.addTasks({
        tasks: [
          { id: 'b1', description: 'b1', priority: 10, files: ['lib/a.ts'] },
          { id: 'b2', description: 'b2', priority: 8, files: ['lib/b.ts'] },
          { id: 'f1', description: 'f1', priority: 6, files: ['src/f1.ts'] },
          { id: 'f2', description: 'f2', priority: 4, files: ['src/f2.ts'] },
          { id: 'f3', description: 'f3', priority: 2 },
        ],
      });
      // Each claim is finished at once (slots are few), so only the holder keeps files.
      const next = async (workerId: string) => {
        const claim = await store.claimNextTask({ workerId });
        if (claim) await store.completeTask({ taskId: claim.task.id, workerId });
        return claim?.task.id ?? null;
      };
      expect(await next('w2')).toBe('f1');
      // A free task that lands between the ones passed over goes first.
      await store.addTask({ id: 'mid', description: 'mid', priority: 9, files: ['src/mid.ts'] });
      expect(await next('w2')).toBe('mid');
      // A blocked one landing ahead is passed over too.
      await store.addTask({ id: 'b0', description: 'b0', priority: 11, files: ['lib/c.ts'] });
      expect(await next('w2')).toBe('f2');
      // Once the holder is done, those passed over come out in claim order.
      await store.completeTask({ taskId: 'hold', workerId: 'w1' });
      expect(await next('w2')).toBe('b0');
      expect(await next('w2')).toBe('b1');
      expect(await next('w2')).toBe('b2');
      expect(await next('w2')).toBe('f3');
    });

    it('holdings that change between two claims are seen by the second (released, edited, handed back)', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'hold');
      await store.reserveFiles({ taskId: 'hold', workerId: 'w1', patterns: ['lib/**', 'api/**'] });
      await store.addTasks({
        tasks: [
          { id: 'lib', description: 'lib', priority: 9, files: ['lib/a.ts'] },
          { id: 'api', description: 'api', priority: 8, files: ['api/b.ts'] },
          { id: 'edit', description: 'edit', priority: 7, files: ['lib/c.ts'] },
          ...Array.from({ length: 8 }, (_, i) => ({ id: `f${i}`, description: `f${i}`, files: [`src/f${i}.ts`] })),
        ],
      });
      const next = async (workerId: string) => {
        const claim = await store.claimNextTask({ workerId });
        if (claim) await store.completeTask({ taskId: claim.task.id, workerId });
        return claim?.task.id ?? null;
      };
      // Claim after claim passes over the same three (claim-next may remember them between calls).
      expect(await next('w2')).toBe('f0');
      expect(await next('w3')).toBe('f1');
      expect(await next('w2')).toBe('f2');
      // The holder lets one pattern go: the very next claim sees it.
      await store.releaseFiles({ taskId: 'hold', workerId: 'w1', patterns: ['api/**'] });
      expect(await next('w2')).toBe('api');
      expect(await next('w2')).toBe('f3');
      expect(await next('w3')).toBe('f4');
      // A task passed over is edited to declare free files: it goes first again.
      await store.editTask({ taskId: 'edit', files: ['docs/c.md'] });
      expect(await next('w2')).toBe('edit');
      expect(await next('w2')).toBe('f5');
      // The holder's task goes back to the queue (released, not finished): what it held is free.
      await store.releaseTask({ taskId: 'hold', workerId: 'w1' });
      expect(await next('w2')).toBe('lib');
      expect(await next('w2')).toBe('hold');
      expect(await next('w2')).toBe('f6');
    });

    it('a task held by its declared files frees the tasks waiting on them once it changes hands', async () => {
      const { store } = await h.open();
      await held(store, 'w1', 'big', ['src/**']);
      await store.addTasks({
        tasks: [
          { id: 'small', description: 'small', priority: 5, files: ['src/x.ts'] },
          ...Array.from({ length: 4 }, (_, i) => ({ id: `f${i}`, description: `f${i}`, files: [`doc/f${i}.md`] })),
        ],
      });
      const next = async (workerId: string) => {
        const claim = await store.claimNextTask({ workerId });
        if (claim) await store.completeTask({ taskId: claim.task.id, workerId });
        return claim?.task.id ?? null;
      };
      expect(await next('w2')).toBe('f0');
      expect(await next('w2')).toBe('f1');
      expect(await next('w2')).toBe('f2');
      await store.failTask({ taskId: 'big', workerId: 'w1', error: 'gave up' });
      expect(await next('w2')).toBe('small');
      expect(await next('w2')).toBe('f3');
    });

    it('two workers never run two tasks with overlapping files at the same time', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'one', description: 'one', files: ['src/**/*.ts'] },
          { id: 'two', description: 'two', files: ['src/core/index.ts'] },
        ],
      });
      const first = await store.claimNextTask({ workerId: 'w1' });
      expect(first?.task.id).toBe('one');
      expect(await store.claimNextTask({ workerId: 'w2' })).toBeNull();
      await store.completeTask({ taskId: 'one', workerId: 'w1' });
      expect((await store.claimNextTask({ workerId: 'w2' }))?.task.id).toBe('two');
    });
  });
}
