// A whole board (every project's tasks, held slots and the event log) as records, for moving it between stores.
import { z } from 'zod';
import { DomainError } from './errors.js';
import type { Slot, Task, TaskEvent } from './model.js';
import { ProjectSchema, TaskIdSchema } from './schemas.js';
import { TaskEventSchema, TaskSchema } from './schemas-output.js';
import type { Store } from './store.js';
import { parseInput } from './validate.js';

export const BOARD_FORMAT = 'task-coordinator-board';
export const BOARD_FORMAT_VERSION = 1;

const SlotRecordSchema = z.strictObject({
  project: ProjectSchema,
  slot: z.number().int().min(1),
  worker: z.string().nullable(),
  taskId: TaskIdSchema.nullable(),
  leaseExpiresAt: z.number().int(),
  claimedAt: z.number().int(),
  lastSeenAt: z.number().int(),
});

/** One line of an export. The header comes first; then tasks, slots and events, each in store order. */
export const BoardRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('header'), format: z.literal(BOARD_FORMAT), version: z.literal(BOARD_FORMAT_VERSION), exportedAt: z.number().int(), from: z.string(), lastSeq: z.number().int() }),
  z.strictObject({ kind: z.literal('task'), task: TaskSchema.extend({ id: TaskIdSchema, project: ProjectSchema }).strict() }),
  z.strictObject({ kind: z.literal('slot'), slot: SlotRecordSchema }),
  z.strictObject({ kind: z.literal('event'), event: TaskEventSchema.extend({ seq: z.number().int().min(1), project: ProjectSchema }).strict() }),
]);
export type BoardRecord = z.output<typeof BoardRecordSchema>;

/** What Store.importRecords writes in one transaction. */
export interface ImportBatch {
  tasks: Task[];
  slots: Slot[];
  events: TaskEvent[];
}

const PAGE = 1000;

/** Every record of a store, header first, read a page at a time (a 100k-task board never sits in memory whole). */
export async function* readBoard(store: Store, now: number): AsyncGenerator<BoardRecord> {
  const projects = (await store.overview()).map((p) => p.project);
  yield { kind: 'header', format: BOARD_FORMAT, version: BOARD_FORMAT_VERSION, exportedAt: now, from: store.kind, lastSeq: (await store.stats()).lastSeq };
  for (const project of projects) {
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listTasks({ project, limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const task of page.tasks) yield { kind: 'task', task };
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    for (const view of await store.listSlots({ project })) {
      if (view.free) continue;
      yield { kind: 'slot', slot: { project, slot: view.slot, worker: view.worker, taskId: view.taskId, leaseExpiresAt: view.leaseExpiresAt as number, claimedAt: view.claimedAt as number, lastSeenAt: view.lastSeenAt as number } };
    }
  }
  let afterSeq = 0;
  for (;;) {
    const events = await store.events({ afterSeq, limit: PAGE });
    for (const event of events) yield { kind: 'event', event };
    if (events.length < PAGE) break;
    afterSeq = (events.at(-1) as TaskEvent).seq;
  }
}

/**
 * Writes records into an empty store, in batches (each one transaction). Refuses a store that has
 * tasks, slots or events already: an import restores a board, it does not merge two.
 * Each record is checked (VALIDATION_FAILED names the record's number) before its batch is written;
 * `checkOnly` reads and checks every record and writes nothing (run it first to import all or nothing).
 */
export async function writeBoard(
  store: Store,
  records: AsyncIterable<unknown>,
  options: { batchSize?: number; checkOnly?: boolean } = {},
): Promise<{ tasks: number; slots: number; events: number }> {
  const batchSize = options.batchSize ?? PAGE;
  if ((await store.overview()).length || (await store.stats()).lastSeq !== 0) {
    throw new DomainError('VALIDATION_FAILED', 'the target store is not empty: import into a new database (or schema)');
  }
  const counts = { tasks: 0, slots: 0, events: 0 };
  let batch: ImportBatch = { tasks: [], slots: [], events: [] };
  const flush = async () => {
    if (batch.tasks.length + batch.slots.length + batch.events.length === 0) return;
    if (!options.checkOnly) await store.importRecords(batch);
    counts.tasks += batch.tasks.length;
    counts.slots += batch.slots.length;
    counts.events += batch.events.length;
    batch = { tasks: [], slots: [], events: [] };
  };
  let n = 0;
  let lastSeq = 0;
  for await (const raw of records) {
    n++;
    const record = parseInput(BoardRecordSchema, raw, `record ${n}`);
    if (n === 1 && record.kind !== 'header') throw new DomainError('VALIDATION_FAILED', `record 1 must be the ${BOARD_FORMAT} header`);
    if (record.kind === 'header') {
      if (n !== 1) throw new DomainError('VALIDATION_FAILED', `record ${n}: a second header`);
      continue;
    }
    if (record.kind === 'task') batch.tasks.push(record.task);
    else if (record.kind === 'slot') batch.slots.push(record.slot);
    else {
      if (record.event.seq <= lastSeq) throw new DomainError('VALIDATION_FAILED', `record ${n}: event seq ${record.event.seq} is not after ${lastSeq}`);
      lastSeq = record.event.seq;
      batch.events.push(record.event as TaskEvent);
    }
    if (batch.tasks.length + batch.slots.length + batch.events.length >= batchSize) await flush();
  }
  if (n === 0) throw new DomainError('VALIDATION_FAILED', 'the export is empty (no header)');
  await flush();
  return counts;
}
