// Contract: a whole board read out and written into an empty store is the same board, with the same history, and goes on working.
import { describe, expect, it } from 'vitest';
import { readBoard, writeBoard, type BoardRecord } from '../board-transfer.js';
import type { Store } from '../store.js';
import { rejects, type Harness } from './harness.js';

async function collect(store: Store, now: number): Promise<BoardRecord[]> {
  const out: BoardRecord[] = [];
  for await (const record of readBoard(store, now)) out.push(record);
  return out;
}

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

export function transferContract(h: Harness): void {
  describe('moving a board', () => {
    it('an exported board imported into an empty store has the same tasks, slots, reservations and history, and goes on', async () => {
      const { store: a, clock } = await h.open();
      await a.addTasks({
        tasks: [
          { id: 'a', description: 'a', priority: 3, labels: ['x'] },
          { id: 'b', description: 'b', dependencies: ['a'] },
          { id: 'c', description: 'c' },
          { id: 'd', description: 'd' },
        ],
      });
      await a.addTask({ id: 'a', description: 'elsewhere', project: 'other' });
      await a.claimNextTask({ workerId: 'w1' });
      await a.startTask({ taskId: 'a', workerId: 'w1' });
      await a.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['src/a/**', 'docs/a.md'], reason: 'rework' });
      await a.reserveFiles({ taskId: 'a', workerId: 'w1', patterns: ['README.md'], mode: 'shared' });
      await a.claimNextTask({ workerId: 'w2' });
      await a.failTask({ taskId: 'c', workerId: 'w2', error: 'nope' });
      await a.cancelTask({ taskId: 'd' });
      await a.claimSlot({ workerId: 'idle', project: 'other' });
      const records = await collect(a, clock.now());
      expect(records[0]).toMatchObject({ kind: 'header', from: a.kind, lastSeq: (await a.stats()).lastSeq });

      const { store: b } = await h.open();
      expect(records.filter((r) => r.kind === 'reservation')).toHaveLength(3);
      expect(await writeBoard(b, from(records), { checkOnly: true })).toMatchObject({
        tasks: 5,
        slots: 3,
        reservations: 3,
      });
      expect(await b.overview()).toEqual([]);
      const counts = await writeBoard(b, from(records), { batchSize: 3 });
      expect(counts).toEqual({ tasks: 5, slots: 3, reservations: 3, events: (await a.events({ limit: 1000 })).length });
      for (const project of ['default', 'other']) {
        expect((await b.listTasks({ project })).tasks).toEqual((await a.listTasks({ project })).tasks);
        expect(await b.listSlots({ project })).toEqual(await a.listSlots({ project }));
        expect(await b.stats({ project })).toEqual(await a.stats({ project }));
        expect(await b.listReservations({ project })).toEqual(await a.listReservations({ project }));
      }
      // The imported reservations are enforced: another worker is refused, and they go with the task.
      expect((await b.checkFiles({ paths: ['src/a/x.ts'], workerId: 'w9' })).results[0]?.free).toBe(false);
      expect(await b.events({ limit: 1000 })).toEqual(await a.events({ limit: 1000 }));
      expect(await b.taskHistory({ taskId: 'c' })).toEqual(await a.taskHistory({ taskId: 'c' }));
      expect(await b.getTask({ taskId: 'a' })).toEqual(await a.getTask({ taskId: 'a' }));

      // The imported board is live: the holder finishes, the dependent unblocks, seqs continue.
      const lastSeq = (await b.stats()).lastSeq;
      expect((await b.completeTask({ taskId: 'a', workerId: 'w1' })).unblocked).toEqual(['b']);
      expect((await b.listReservations({})).reservations).toEqual([]);
      expect((await b.claimNextTask({ workerId: 'w3' }))?.task.id).toBe('b');
      expect((await b.events({ afterSeq: lastSeq })).map((e) => e.seq)[0]).toBe(lastSeq + 1);

      // Only into an empty store, and only well-formed records.
      await rejects(writeBoard(b, from(records)), 'VALIDATION_FAILED');
      const { store: c } = await h.open();
      await rejects(writeBoard(c, from([{ kind: 'task', task: {} }])), 'VALIDATION_FAILED');
      await rejects(writeBoard(c, from([records[0], { kind: 'event', event: { seq: 'one' } }])), 'VALIDATION_FAILED');
      const reservation = records.find((r) => r.kind === 'reservation');
      const escaping = {
        ...reservation,
        reservation: { ...(reservation as { reservation: object }).reservation, pattern: '../x' },
      };
      await rejects(writeBoard(c, from([records[0], escaping])), 'VALIDATION_FAILED');
      expect(await c.overview()).toEqual([]);
    });
  });
}
