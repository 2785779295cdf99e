// zod schemas for every command and query: validate HTTP bodies, become MCP tool inputs, type clients.
import { z } from 'zod';
import { EVENT_TYPES, TASK_STATUSES } from './model.js';
import { FILES_LIMITS, normalisePattern, patternProblem } from './files/patterns.js';

/** Every limit in one table; the numbers are also what error messages and docs quote. */
export const LIMITS = {
  idMaxLength: 128,
  projectMaxLength: 64,
  workerIdMaxLength: 128,
  descriptionMaxBytes: 64 * 1024,
  textMaxBytes: 256 * 1024,
  dependenciesMax: 1_000,
  labelsMax: 32,
  labelMaxLength: 64,
  priorityMin: -1_000_000,
  priorityMax: 1_000_000,
  maxAttemptsMax: 100,
  batchMax: 10_000,
  slotMax: 10_000,
  leaseTtlMinMs: 1_000,
  leaseTtlMaxMs: 24 * 60 * 60 * 1000,
  pageMax: 1_000,
  /** A progress line: one line of status, shown on the card. */
  progressMaxBytes: 512,
  /** A note, a question, an answer, a review note. */
  noteMaxBytes: 4096,
  /** Notes a task row keeps (the newest); the events keep every one. */
  notesKept: 20,
  optionsMax: 10,
  optionMaxLength: 200,
  /** The notes a claim answer carries: the newest that fit in this many bytes. */
  handoffMaxBytes: 8192,
  /** Deadlines are instants between these two (years 2000 and 9999). */
  instantMin: Date.UTC(2000, 0, 1),
  instantMax: Date.UTC(9999, 11, 31),
} as const;

export const DEFAULT_PROJECT = 'default';
export const DEFAULT_MAX_ATTEMPTS = 3;

const ID_PATTERN = /^[A-Za-z0-9._:/-]+$/;
// Worker ids come from many clients (hostnames, agent names); refuse only control characters.
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

/** UTF-8 byte length without TextEncoder allocation (core stays free of platform APIs). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** A lone surrogate: text that is not valid Unicode (no UTF-8 form; PostgreSQL refuses it in JSON). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

// NUL and ill-formed text are refused everywhere: PostgreSQL cannot store them, and no task needs them.
const boundedText = (maxBytes: number) =>
  z
    .string()
    .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' })
    .refine(isWellFormed, { message: 'must be valid Unicode (no lone surrogates)' })
    .refine((s) => utf8Length(s) <= maxBytes, { message: `must be at most ${maxBytes} bytes of UTF-8` });

export const TaskIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.idMaxLength)
  .regex(ID_PATTERN, 'may contain only letters, digits and . _ : / -')
  // URLs collapse "." and ".." path segments, so such a task could never be addressed.
  .refine((id) => id !== '.' && id !== '..', { message: 'must not be "." or ".."' })
  .describe('Task id: 1-128 characters of letters, digits and . _ : / -');

export const ProjectSchema = z
  .string()
  .min(1)
  .max(LIMITS.projectMaxLength)
  .regex(ID_PATTERN, 'may contain only letters, digits and . _ : / -')
  .describe('Project (namespace) of the board; defaults to "default"');

export const WorkerIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.workerIdMaxLength)
  .regex(PRINTABLE, 'must not contain control characters')
  .refine(isWellFormed, { message: 'must be valid Unicode (no lone surrogates)' })
  .describe('Your worker id: the same id for every call of one agent');

export const SlotNumberSchema = z.number().int().min(1).max(LIMITS.slotMax).describe('Worker slot number (1-based)');

export const LabelSchema = z
  .string()
  .min(1)
  .max(LIMITS.labelMaxLength)
  .regex(ID_PATTERN, 'may contain only letters, digits and . _ : / -');

export const TaskStatusSchema = z.enum(TASK_STATUSES);

/** An instant as ISO-8601 text or epoch milliseconds; always stored as epoch milliseconds. */
export const InstantInputSchema = z.union([z.number().int(), z.string().min(1).max(64)]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < LIMITS.instantMin || ms > LIMITS.instantMax) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO-8601 date-time or epoch milliseconds between years 2000 and 9999',
    });
    return z.NEVER;
  }
  return ms;
});

const LeaseTtlSchema = z
  .number()
  .int()
  .min(LIMITS.leaseTtlMinMs)
  .max(LIMITS.leaseTtlMaxMs)
  .describe('Lease length in milliseconds for this claim; defaults to the server lease TTL');

/** A project that may be left out: the parsed input always carries one ("default" when omitted). */
export const ProjectOrDefaultSchema = ProjectSchema.default(DEFAULT_PROJECT);

const projectField = { project: ProjectOrDefaultSchema };

/** One pattern: validated, then normalised (see files/patterns.ts). */
export const FilePatternSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = patternProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalisePattern)
  .describe('Repo-relative path or picomatch glob (e.g. src/auth/** or src/*.ts); "dir/" means dir/**');

/** A list of patterns, duplicates (after normalisation) removed, order kept. */
export const FilePatternsSchema = z
  .array(FilePatternSchema)
  .max(FILES_LIMITS.patternsMax)
  .transform((patterns) => [...new Set(patterns)]);

/** `files` of a task: the patterns it declares it will touch. */
export const TaskFilesSchema = FilePatternsSchema.describe(
  `Files the task will touch (repo-relative paths or globs, at most ${FILES_LIMITS.patternsMax}): claim-next does not hand it out while another worker holds any of them`,
);

export const CreateTaskInputSchema = z.strictObject({
  id: TaskIdSchema.optional().describe('Task id; generated when omitted'),
  description: boundedText(LIMITS.descriptionMaxBytes)
    .pipe(z.string().min(1))
    .describe('What to do, in full: the worker that claims the task reads only this'),
  dependencies: z
    .array(TaskIdSchema)
    .max(LIMITS.dependenciesMax)
    .optional()
    .describe('Ids of tasks that must be done first (existing tasks or members of the same batch)'),
  priority: z
    .number()
    .int()
    .min(LIMITS.priorityMin)
    .max(LIMITS.priorityMax)
    .optional()
    .describe('Higher runs first; default 0'),
  labels: z.array(LabelSchema).max(LIMITS.labelsMax).optional().describe('Labels workers can filter on'),
  deadline: InstantInputSchema.nullable()
    .optional()
    .describe('ISO-8601 date-time; earlier deadlines run first at equal priority'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxAttemptsMax)
    .optional()
    .describe('Failures/lease expiries before the task ends failed; default 3'),
  output: boundedText(LIMITS.textMaxBytes).nullable().optional().describe('Initial output (kept for original clients)'),
  review: z
    .boolean()
    .optional()
    .describe('Review gate: when its holder reports done it waits in `review` until a person approves it'),
  files: TaskFilesSchema.optional(),
});
export type CreateTaskInput = z.input<typeof CreateTaskInputSchema>;

export const AddTasksInputSchema = z.strictObject({
  ...projectField,
  tasks: z.array(CreateTaskInputSchema).min(1).max(LIMITS.batchMax).describe('Tasks to add atomically: all or none'),
});
export type AddTasksInput = z.input<typeof AddTasksInputSchema>;

export const ClaimTaskInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  workerId: WorkerIdSchema,
  slot: SlotNumberSchema,
  leaseTtlMs: LeaseTtlSchema.optional(),
});
export type ClaimTaskInput = z.input<typeof ClaimTaskInputSchema>;

export const ClaimNextInputSchema = z.strictObject({
  ...projectField,
  workerId: WorkerIdSchema,
  slot: SlotNumberSchema.optional().describe('Slot to claim in; a free slot is taken for you when you hold none'),
  labels: z
    .array(LabelSchema)
    .max(LIMITS.labelsMax)
    .optional()
    .describe('Only take tasks carrying at least one of these labels'),
  leaseTtlMs: LeaseTtlSchema.optional(),
});
export type ClaimNextInput = z.input<typeof ClaimNextInputSchema>;

const holderCommand = { ...projectField, taskId: TaskIdSchema, workerId: WorkerIdSchema };

/** One line (no line breaks): what the holder is doing now. */
export const ProgressSchema = boundedText(LIMITS.progressMaxBytes)
  .pipe(
    z
      .string()
      .min(1)
      .regex(/^[^\r\n]*$/, 'must be one line'),
  )
  .describe('One line on where the work stands (shown on the card, handed to the next holder)');

export const NoteTextSchema = boundedText(LIMITS.noteMaxBytes).pipe(z.string().min(1));

export const StartTaskInputSchema = z.strictObject({ ...holderCommand, progress: ProgressSchema.optional() });
export type StartTaskInput = z.input<typeof StartTaskInputSchema>;

/** Giving the slot back with the last task: what the original server's update-task did for done/failed. */
const releaseSlotField = {
  releaseSlot: z
    .boolean()
    .optional()
    .describe('Also give back the slot this task was held in (default: keep it for the next claim)'),
};

export const CompleteTaskInputSchema = z.strictObject({
  ...holderCommand,
  output: boundedText(LIMITS.textMaxBytes)
    .nullable()
    .optional()
    .describe('What the work produced (summary, paths, results)'),
  ...releaseSlotField,
});
export type CompleteTaskInput = z.input<typeof CompleteTaskInputSchema>;

export const FailTaskInputSchema = z.strictObject({
  ...holderCommand,
  error: boundedText(LIMITS.textMaxBytes).nullable().optional().describe('Why it failed'),
  output: boundedText(LIMITS.textMaxBytes)
    .nullable()
    .optional()
    .describe('What the work produced before it failed (kept on the task, and through a reset)'),
  retry: z.boolean().optional().describe('Put the task back for another attempt (while attempts remain)'),
  ...releaseSlotField,
});
export type FailTaskInput = z.input<typeof FailTaskInputSchema>;

export const ReleaseTaskInputSchema = z.strictObject({
  ...holderCommand,
  reason: boundedText(4096).optional(),
});
export type ReleaseTaskInput = z.input<typeof ReleaseTaskInputSchema>;

export const QuestionOptionsSchema = z
  .array(z.string().min(1).max(LIMITS.optionMaxLength).regex(PRINTABLE, 'must not contain control characters'))
  .min(2)
  .max(LIMITS.optionsMax)
  .refine((options) => new Set(options).size === options.length, { message: 'options must differ' })
  .describe('Answers to offer as buttons (2-10); a person may still answer in free text');

export const AskQuestionInputSchema = z.strictObject({
  ...holderCommand,
  question: NoteTextSchema.describe('What you need a person to decide, with the context they need to answer'),
  options: QuestionOptionsSchema.optional(),
});
export type AskQuestionInput = z.input<typeof AskQuestionInputSchema>;

/** Who acts for a person (dashboard user name); the token name is recorded apart in the audit. */
const byField = {
  by: z
    .string()
    .min(1)
    .max(LIMITS.workerIdMaxLength)
    .regex(PRINTABLE, 'must not contain control characters')
    .optional()
    .describe('Who acts (a person or worker name), recorded with the change'),
};

export const AnswerQuestionInputSchema = z
  .strictObject({
    ...projectField,
    taskId: TaskIdSchema,
    answer: NoteTextSchema.optional().describe('The answer in free text'),
    option: z.number().int().min(0).max(LIMITS.optionsMax).optional().describe("Index of the question's option picked"),
    ...byField,
  })
  .refine((v) => (v.answer === undefined) !== (v.option === undefined), {
    message: 'give exactly one of answer (free text) or option (index of an offered answer)',
  });
export type AnswerQuestionInput = z.input<typeof AnswerQuestionInputSchema>;

export const ApproveTaskInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  note: NoteTextSchema.optional().describe('Optional note kept on the task'),
  ...byField,
});
export type ApproveTaskInput = z.input<typeof ApproveTaskInputSchema>;

export const RejectTaskInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  note: NoteTextSchema.describe('What to change: handed to the next holder with the task'),
  ...byField,
});
export type RejectTaskInput = z.input<typeof RejectTaskInputSchema>;

export const AddNoteInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  text: NoteTextSchema.describe('The note: what you found, tried, decided, or what the next holder must know'),
  ...byField,
});
export type AddNoteInput = z.input<typeof AddNoteInputSchema>;

export const EditTaskInputSchema = z
  .strictObject({
    ...projectField,
    taskId: TaskIdSchema,
    description: CreateTaskInputSchema.shape.description.optional(),
    priority: CreateTaskInputSchema.shape.priority,
    labels: CreateTaskInputSchema.shape.labels,
    deadline: CreateTaskInputSchema.shape.deadline,
    maxAttempts: CreateTaskInputSchema.shape.maxAttempts,
    files: TaskFilesSchema.optional(),
  })
  .refine((v) => ['description', 'priority', 'labels', 'deadline', 'maxAttempts', 'files'].some((k) => k in v), {
    message: 'give at least one of description, priority, labels, deadline, maxAttempts, files',
  });
export type EditTaskInput = z.input<typeof EditTaskInputSchema>;

export const ResetTaskInputSchema = z.strictObject({ ...projectField, taskId: TaskIdSchema });
export type ResetTaskInput = z.input<typeof ResetTaskInputSchema>;

export const ResetTasksInputSchema = z.strictObject({
  ...projectField,
  taskIds: z
    .array(TaskIdSchema)
    .min(1)
    .max(LIMITS.batchMax)
    .describe('Failed or cancelled tasks to reset in one step; the others are skipped and named'),
});
export type ResetTasksInput = z.input<typeof ResetTasksInputSchema>;

export const CancelTaskInputSchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  reason: boundedText(4096).optional(),
});
export type CancelTaskInput = z.input<typeof CancelTaskInputSchema>;

export const CleanAllInputSchema = z.strictObject({ ...projectField });
export type CleanAllInput = z.input<typeof CleanAllInputSchema>;

export const ClaimSlotInputSchema = z.strictObject({
  ...projectField,
  workerId: WorkerIdSchema.nullable()
    .optional()
    .describe('Omit only for original clients: the slot is then held anonymously'),
  leaseTtlMs: LeaseTtlSchema.optional(),
  avoidSlots: z
    .array(SlotNumberSchema)
    .max(LIMITS.slotMax)
    .optional()
    .describe(
      'Slots to take only when no other is free (the original endpoints pass slots whose release may still be on the way)',
    ),
});
export type ClaimSlotInput = z.input<typeof ClaimSlotInputSchema>;

export const ReleaseSlotInputSchema = z.strictObject({
  ...projectField,
  slot: SlotNumberSchema,
  workerId: WorkerIdSchema.optional().describe('The holder; required unless the slot is anonymous or force is set'),
  force: z.boolean().optional().describe('Free the slot whoever holds it (an admin action)'),
  keepTask: z
    .boolean()
    .optional()
    .describe("Leave the slot's task with its worker, under its lease, instead of putting it back in the queue"),
});
export type ReleaseSlotInput = z.input<typeof ReleaseSlotInputSchema>;

export const HeartbeatInputSchema = z.strictObject({ ...projectField, workerId: WorkerIdSchema });
export type HeartbeatInput = z.input<typeof HeartbeatInputSchema>;

export const GetTaskInputSchema = z.strictObject({ ...projectField, taskId: TaskIdSchema });
export type GetTaskInput = z.input<typeof GetTaskInputSchema>;

export const ListTasksQuerySchema = z.strictObject({
  ...projectField,
  status: z.array(TaskStatusSchema).max(TASK_STATUSES.length).optional(),
  label: LabelSchema.optional(),
  worker: WorkerIdSchema.optional(),
  text: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\u0000]*$/, 'must not contain NUL characters')
    .optional()
    .describe('Case-insensitive substring of id or description'),
  limit: z.number().int().min(1).max(LIMITS.pageMax).optional(),
  cursor: z.string().max(512).optional().describe("From the previous page's nextCursor"),
});
export type ListTasksQuery = z.input<typeof ListTasksQuerySchema>;

export const HistoryQuerySchema = z.strictObject({
  ...projectField,
  taskId: TaskIdSchema,
  limit: z.number().int().min(1).max(LIMITS.pageMax).optional(),
});
export type HistoryQuery = z.input<typeof HistoryQuerySchema>;

export const EventsQuerySchema = z.strictObject({
  project: ProjectSchema.optional().describe("Only this project's events; all projects when omitted"),
  afterSeq: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Only events with a larger seq (the cursor: pass the last seq you read)'),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .describe('asc (default): oldest first, paged with afterSeq. desc: newest first, paged with beforeSeq'),
  beforeSeq: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Only events with a smaller seq (the cursor of order=desc: pass the last seq you read)'),
  limit: z.number().int().min(1).max(LIMITS.pageMax).optional(),
  taskId: TaskIdSchema.optional().describe('Only events of this task'),
  workerId: WorkerIdSchema.optional().describe('Only events of this worker'),
  type: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).optional().describe('Only events of these types'),
  since: InstantInputSchema.optional().describe('Only events at or after this instant (ISO-8601 or epoch ms)'),
  until: InstantInputSchema.optional().describe('Only events before this instant (ISO-8601 or epoch ms)'),
});
export type EventsQuery = z.input<typeof EventsQuerySchema>;

export const StatsQuerySchema = z.strictObject({ ...projectField });
export type StatsQuery = z.input<typeof StatsQuerySchema>;

export const ListSlotsQuerySchema = z.strictObject({ ...projectField });
export type ListSlotsQuery = z.input<typeof ListSlotsQuerySchema>;

export const ExpireLeasesInputSchema = z.strictObject({
  limit: z.number().int().min(1).max(LIMITS.pageMax).optional(),
});
export type ExpireLeasesInput = z.input<typeof ExpireLeasesInputSchema>;

export const PruneInputSchema = z.strictObject({
  eventsBefore: InstantInputSchema.nullable()
    .optional()
    .describe('Remove events recorded before this instant (the newest event always stays)'),
  tasksBefore: InstantInputSchema.nullable()
    .optional()
    .describe('Remove done and cancelled tasks last changed before this instant that no remaining task depends on'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.pageMax)
    .optional()
    .describe('At most this many events and this many tasks in one pass (default 500)'),
});
export type PruneInput = z.input<typeof PruneInputSchema>;
