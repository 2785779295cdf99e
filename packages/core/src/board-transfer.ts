// A whole board (every project's tasks, held slots, file reservations and the event log) as records, for moving it
// between stores.
import { z } from 'zod';
import { DomainError } from './errors.js';
import type { TaskEvent } from './model.js';
import { FilePatternSchema, ProjectSchema, TaskIdSchema, WorkerIdSchema } from './schemas.js';
import { ReservationOutputSchema } from './schemas-files.js';
import { TaskEventSchema, TaskSchema } from './schemas-output.js';
import type { ImportBatch, Store } from './store.js';
import { parseInput } from './validate.js';
import { pages } from './paging.js';

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

/** A reservation as stored: it belongs to a task its worker holds, and goes with the task (rules/reservations.ts). */
const ReservationRecordSchema = ReservationOutputSchema.extend({
  project: ProjectSchema,
  pattern: FilePatternSchema,
  worker: WorkerIdSchema,
  taskId: TaskIdSchema,
}).strict();

/**
 * One line of an export. The header comes first; then, project by project, tasks, slots and reservations, each in
 * store order; then events. Boards exported before file reservations existed have none and import as they were.
 */
export const BoardRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('header'),
    format: z.literal(BOARD_FORMAT),
    version: z.literal(BOARD_FORMAT_VERSION),
    exportedAt: z.number().int(),
    from: z.string(),
    lastSeq: z.number().int(),
  }),
  z.strictObject({
    kind: z.literal('task'),
    // Boards exported before review gates, questions and notes existed import with their defaults.
    task: TaskSchema.extend({
      id: TaskIdSchema,
      project: ProjectSchema,
      review: TaskSchema.shape.review.default(false),
      progress: TaskSchema.shape.progress.default(null),
      question: TaskSchema.shape.question.default(null),
      answer: TaskSchema.shape.answer.default(null),
      notes: TaskSchema.shape.notes.default([]),
      files: TaskSchema.shape.files.default([]),
    }).strict(),
  }),
  z.strictObject({ kind: z.literal('slot'), slot: SlotRecordSchema }),
  z.strictObject({ kind: z.literal('reservation'), reservation: ReservationRecordSchema }),
  z.strictObject({
    kind: z.literal('event'),
    event: TaskEventSchema.extend({ seq: z.number().int().min(1), project: ProjectSchema }).strict(),
  }),
]);
export type BoardRecord = z.output<typeof BoardRecordSchema>;

/** What Store.importRecords writes in one transaction. */

const PAGE = 1000;

/** Every record of a store, header first, read a page at a time (a 100k-task board never sits in memory whole). */
export async function* readBoard(store: Store, now: number): AsyncGenerator<BoardRecord> {
  const projects = (await store.overview()).map((p) => p.project);
  yield {
    kind: 'header',
    format: BOARD_FORMAT,
    version: BOARD_FORMAT_VERSION,
    exportedAt: now,
    from: store.kind,
    lastSeq: (await store.stats()).lastSeq,
  };
  for (const project of projects) {
    for await (const page of pages((after) => store.listTasks({ project, limit: PAGE, ...after }))) {
      for (const task of page.tasks) yield { kind: 'task', task };
    }
    for (const view of await store.listSlots({ project })) {
      if (view.free) continue;
      yield {
        kind: 'slot',
        slot: {
          project,
          slot: view.slot,
          worker: view.worker,
          taskId: view.taskId,
          leaseExpiresAt: view.leaseExpiresAt as number,
          claimedAt: view.claimedAt as number,
          lastSeenAt: view.lastSeenAt as number,
        },
      };
    }
    // After the tasks they belong to: an import writes a reservation only for a task it has written.
    for (const reservation of (await store.listReservations({ project })).reservations)
      yield { kind: 'reservation', reservation };
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
): Promise<{ tasks: number; slots: number; reservations: number; events: number }> {
  const batchSize = options.batchSize ?? PAGE;
  if ((await store.overview()).length || (await store.stats()).lastSeq !== 0) {
    throw new DomainError('VALIDATION_FAILED', 'the target store is not empty: import into a new database (or schema)');
  }
  const counts = { tasks: 0, slots: 0, reservations: 0, events: 0 };
  const empty = (): ImportBatch => ({ tasks: [], slots: [], reservations: [], events: [] });
  const size = (b: ImportBatch) => b.tasks.length + b.slots.length + b.reservations.length + b.events.length;
  let batch = empty();
  const flush = async () => {
    if (size(batch) === 0) return;
    if (!options.checkOnly) await store.importRecords(batch);
    counts.tasks += batch.tasks.length;
    counts.slots += batch.slots.length;
    counts.reservations += batch.reservations.length;
    counts.events += batch.events.length;
    batch = empty();
  };
  let n = 0;
  let lastSeq = 0;
  for await (const raw of records) {
    n++;
    const record = parseInput(BoardRecordSchema, raw, `record ${n}`);
    if (n === 1 && record.kind !== 'header')
      throw new DomainError('VALIDATION_FAILED', `record 1 must be the ${BOARD_FORMAT} header`);
    if (record.kind === 'header') {
      if (n !== 1) throw new DomainError('VALIDATION_FAILED', `record ${n}: a second header`);
      continue;
    }
    if (record.kind === 'task') batch.tasks.push(record.task);
    else if (record.kind === 'slot') batch.slots.push(record.slot);
    else if (record.kind === 'reservation') batch.reservations.push(record.reservation);
    else {
      if (record.event.seq <= lastSeq)
        throw new DomainError(
          'VALIDATION_FAILED',
          `record ${n}: event seq ${record.event.seq} is not after ${lastSeq}`,
        );
      lastSeq = record.event.seq;
      batch.events.push(record.event as TaskEvent);
    }
    if (size(batch) >= batchSize) await flush();
  }
  if (n === 0) throw new DomainError('VALIDATION_FAILED', 'the export is empty (no header)');
  await flush();
  return counts;
}
