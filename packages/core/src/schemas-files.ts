// zod schemas of file reservations (issue 13): patterns, reserve/release/check inputs, the shapes returned.
import { z } from 'zod';
import { FILES_LIMITS } from './files/patterns.js';
import type {
  BlockedBy,
  CheckFilesResult,
  FileConflict,
  FileHolding,
  ReleasedResult,
  Reservation,
  ReservationsResult,
} from './model.js';
import { FilePatternSchema, ProjectOrDefaultSchema, TaskIdSchema, WorkerIdSchema } from './schemas.js';

export const ReservationModeSchema = z
  .enum(['exclusive', 'shared'])
  .describe('exclusive (default): nobody else may hold it; shared: other shared holders may, exclusive ones may not');

const projectField = { project: ProjectOrDefaultSchema };

/** 1 to patternsMax normalised patterns, each once. */
const PatternListSchema = z
  .array(FilePatternSchema)
  .min(1)
  .max(FILES_LIMITS.patternsMax)
  .transform((patterns) => [...new Set(patterns)]);

export const ReserveFilesInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema.describe('The task you hold; the reservations end with it'),
  workerId: WorkerIdSchema,
  patterns: PatternListSchema.describe(`Patterns to reserve, all or none (1-${FILES_LIMITS.patternsMax})`),
  mode: ReservationModeSchema.optional(),
  reason: z
    .string()
    .min(1)
    .max(FILES_LIMITS.reasonMaxLength)
    .regex(/^[^\u0000]*$/, 'must not contain NUL characters')
    .optional()
    .describe('Why (shown to whoever is refused)'),
});
export type ReserveFilesInput = z.input<typeof ReserveFilesInputSchema>;

export const ReleaseFilesInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  workerId: WorkerIdSchema,
  patterns: PatternListSchema.optional().describe(
    'Patterns to release (as reserved); all of the task’s reservations when omitted',
  ),
});
export type ReleaseFilesInput = z.input<typeof ReleaseFilesInputSchema>;

export const ListReservationsQuerySchema = z.strictObject({
  ...projectField,
  worker: WorkerIdSchema.optional(),
  taskId: TaskIdSchema.optional(),
});
export type ListReservationsQuery = z.input<typeof ListReservationsQuerySchema>;

export const CheckFilesInputSchema = z.strictObject({
  ...projectField,
  paths: z
    .array(FilePatternSchema)
    .min(1)
    .max(FILES_LIMITS.patternsMax)
    .describe(`Paths (or globs) you are about to edit (1-${FILES_LIMITS.patternsMax})`),
  workerId: WorkerIdSchema.optional().describe('You: your own holdings never make a path busy'),
});
export type CheckFilesInput = z.input<typeof CheckFilesInputSchema>;

const instant = z.number().int().describe('Epoch milliseconds (UTC)');
const mode = z.enum(['exclusive', 'shared']);

export const ReservationOutputSchema = z
  .object({
    project: z.string(),
    pattern: z.string(),
    mode,
    worker: z.string(),
    taskId: z.string(),
    reason: z.string().nullable(),
    createdAt: instant,
  })
  .meta({ id: 'Reservation' });

export const BlockedByOutputSchema = z
  .object({
    pattern: z.string().describe('The declared file of this task'),
    heldPattern: z.string().describe('What the other worker holds'),
    worker: z.string(),
    taskId: z.string(),
    since: instant,
  })
  .meta({ id: 'BlockedBy' });

export const FileHoldingSchema = z
  .object({
    pattern: z.string(),
    mode,
    worker: z.string(),
    taskId: z.string(),
    since: instant,
    kind: z.enum(['reservation', 'declared']).describe('declared: a file the held task declares (exclusive)'),
  })
  .meta({ id: 'FileHolding' });

export const FileConflictSchema = z
  .object({
    pattern: z.string(),
    heldPattern: z.string(),
    mode,
    worker: z.string(),
    taskId: z.string(),
    since: instant,
  })
  .meta({ id: 'FileConflict' });

export const ReservationsResultSchema = z
  .object({ reservations: z.array(ReservationOutputSchema) })
  .meta({ id: 'ReservationList' });
export const ReleasedResultSchema = z.object({ released: z.array(ReservationOutputSchema) }).meta({ id: 'Released' });
export const CheckFilesResultSchema = z
  .object({
    results: z.array(
      z.object({
        path: z.string(),
        free: z.boolean().describe('No other worker holds it in a way that conflicts with an exclusive edit'),
        holders: z.array(FileHoldingSchema).describe("Other workers' holdings that match it"),
      }),
    ),
  })
  .meta({ id: 'CheckFilesResult' });

// Compile-time proof that each schema describes exactly what the store returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type FileSchemasMatch = [
  Assert<Same<z.output<typeof ReservationOutputSchema>, Reservation>>,
  Assert<Same<z.output<typeof BlockedByOutputSchema>, BlockedBy>>,
  Assert<Same<z.output<typeof FileHoldingSchema>, FileHolding>>,
  Assert<Same<z.output<typeof FileConflictSchema>, FileConflict>>,
  Assert<Same<z.output<typeof ReservationsResultSchema>, ReservationsResult>>,
  Assert<Same<z.output<typeof ReleasedResultSchema>, ReleasedResult>>,
  Assert<Same<z.output<typeof CheckFilesResultSchema>, CheckFilesResult>>,
];
