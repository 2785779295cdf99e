// zod schemas of what the coordinator answers: OpenAPI responses, MCP output schemas, typed clients.
// Each is checked at compile time against the TypeScript type the store returns.
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import {
  EVENT_TYPES,
  TASK_STATUSES,
  type BoardStats,
  type Throughput,
  type SlotView,
  type Task,
  type TaskDetail,
  type TaskEvent,
} from './model.js';
import type { AddTasksResult } from './rules/add.js';
import type { ClaimResult } from './rules/claim.js';
import type { CompleteResult, TaskResult } from './rules/holder.js';
import type { CleanAllResult } from './rules/admin.js';
import type { ResetTasksResult } from './rules/reset-batch.js';
import type { HeartbeatResult, ReleaseSlotResult, SlotResult } from './rules/slots.js';
import type { TaskPage } from './store.js';
import { AGENT_STATES, type AgentView } from './agents.js';
import { BlockedByOutputSchema, ReservationOutputSchema } from './schemas-files.js';

const instant = z.number().int().describe('Epoch milliseconds (UTC)');

export const TaskQuestionSchema = z
  .object({ text: z.string(), options: z.array(z.string()).nullable(), askedBy: z.string(), askedAt: instant })
  .meta({ id: 'TaskQuestion' });

export const TaskAnswerSchema = z
  .object({
    question: z.string(),
    text: z.string(),
    option: z.number().int().nullable(),
    answeredBy: z.string().nullable(),
    answeredAt: instant,
  })
  .meta({ id: 'TaskAnswer' });

export const TaskNoteSchema = z
  .object({ at: instant, author: z.string().nullable(), kind: z.enum(['note', 'rejection']), text: z.string() })
  .meta({ id: 'TaskNote' });

export const HandoffSchema = z
  .object({
    progress: z.string().nullable().describe('Where the last holder stopped'),
    notes: z.array(TaskNoteSchema).describe('The newest notes that fit the handoff budget, oldest first'),
    omittedNotes: z.number().int().describe('Older notes left out (read them with get_task or the history)'),
    answer: TaskAnswerSchema.nullable().describe('The last answer a person gave on this task'),
  })
  .meta({ id: 'Handoff' });

export const TaskSchema = z
  .object({
    id: z.string(),
    project: z.string(),
    description: z.string(),
    status: z.enum(TASK_STATUSES),
    priority: z.number().int(),
    dependencies: z.array(z.string()),
    labels: z.array(z.string()),
    deadline: instant.nullable(),
    output: z.string().nullable(),
    error: z.string().nullable(),
    worker: z.string().nullable().describe('The holder while claimed/working; who finished it once done or failed'),
    slot: z.number().int().nullable(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    leaseExpiresAt: instant.nullable(),
    createdAt: instant,
    startedAt: instant.nullable(),
    completedAt: instant.nullable(),
    updatedAt: instant,
    version: z.number().int(),
    review: z.boolean().describe('Review gate: done goes to `review` until a person approves'),
    progress: z.string().nullable().describe('The last progress line its holder reported'),
    question: TaskQuestionSchema.nullable().describe('The open question while `waiting`'),
    answer: TaskAnswerSchema.nullable().describe('The last answer a person gave'),
    notes: z.array(TaskNoteSchema).describe('The most recent notes, oldest first'),
    files: z.array(z.string()).describe('Files the task declares it will touch (patterns); [] when none'),
  })
  .meta({ id: 'Task' });

export const TaskDetailSchema = TaskSchema.extend({
  dependents: z.array(z.string()),
  reservations: z.array(ReservationOutputSchema).describe('Reservations taken for this task'),
  blockedBy: BlockedByOutputSchema.nullable().describe(
    'For an available task: why claim-next skips it now (a declared file another worker holds)',
  ),
}).meta({ id: 'TaskDetail' });

export const SlotSchema = z
  .object({
    project: z.string(),
    slot: z.number().int(),
    worker: z.string().nullable(),
    taskId: z.string().nullable(),
    leaseExpiresAt: instant,
    claimedAt: instant,
    lastSeenAt: instant,
  })
  .meta({ id: 'Slot' });

export const SlotViewSchema = z
  .object({
    project: z.string(),
    slot: z.number().int(),
    free: z.boolean(),
    worker: z.string().nullable(),
    taskId: z.string().nullable(),
    leaseExpiresAt: instant.nullable(),
    claimedAt: instant.nullable(),
    lastSeenAt: instant.nullable(),
  })
  .meta({ id: 'SlotView' });

export const TaskEventSchema = z
  .object({
    seq: z.number().int(),
    at: instant,
    type: z.enum(EVENT_TYPES),
    project: z.string(),
    taskId: z.string().nullable(),
    workerId: z.string().nullable(),
    slot: z.number().int().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TaskEvent' });

export const BoardStatsSchema = z
  .object({
    project: z.string(),
    tasks: z.object(
      Object.fromEntries(TASK_STATUSES.map((s) => [s, z.number().int()])) as Record<
        (typeof TASK_STATUSES)[number],
        z.ZodNumber
      >,
    ),
    total: z.number().int(),
    slots: z.object({ total: z.number().int(), held: z.number().int(), busy: z.number().int() }),
    lastSeq: z.number().int(),
  })
  .meta({ id: 'BoardStats' });

export const ThroughputSchema = z
  .object({
    project: z.string(),
    since: instant.describe('When this server began counting (earlier minutes have no data)'),
    minutes: z.array(
      z.object({
        at: instant.describe('Start of the minute'),
        completed: z.number().int(),
        failed: z.number().int(),
        added: z.number().int(),
        queueDepth: z.number().int().nullable().describe('Available tasks as the minute ended; null where not sampled'),
      }),
    ),
  })
  .meta({ id: 'Throughput' });

export const TaskPageSchema = z
  .object({ tasks: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'TaskPage' });
export const TaskResultSchema = z.object({ task: TaskSchema });
export const CompleteResultSchema = z.object({ task: TaskSchema, unblocked: z.array(z.string()) });
export const ClaimResultSchema = z
  .object({
    task: TaskSchema,
    slot: z.number().int(),
    resumed: z.boolean().describe('True when you already held this task (a retried call)'),
    handoff: HandoffSchema,
  })
  .meta({ id: 'ClaimResult' });
export const AddTasksResultSchema = z.object({
  tasks: z.array(TaskSchema),
  created: z.array(z.string()),
  existing: z.array(z.string()),
});
export const SlotResultSchema = z.object({ slot: SlotSchema, created: z.boolean() });
export const ReleaseSlotResultSchema = z.object({
  slot: z.number().int(),
  released: z.boolean(),
  releasedTask: z.string().nullable(),
});
export const HeartbeatResultSchema = z.object({
  workerId: z.string(),
  slots: z.array(z.number().int()),
  tasks: z.array(z.string()),
  leaseExpiresAt: instant.nullable(),
});
export const CleanAllResultSchema = z.object({ removed: z.number().int(), slotsFreed: z.number().int() });
export const ResetTasksResultSchema = z.object({
  tasks: z.array(TaskSchema).describe('The tasks reset, in the order asked'),
  skipped: z
    .array(z.object({ taskId: z.string(), status: z.enum(TASK_STATUSES).nullable() }))
    .describe('Ids not reset (not failed or cancelled any more, or no such task), with their status now'),
});

export const AgentViewSchema = z
  .object({
    project: z.string(),
    workerId: z.string(),
    state: z.enum(AGENT_STATES).describe('stale | active | idle | gone, from heartbeats and leases'),
    slots: z.array(z.number().int()),
    taskId: z.string().nullable(),
    taskStatus: z.enum(TASK_STATUSES).nullable(),
    progress: z.string().nullable(),
    question: z.string().nullable().describe('The open question when its task is waiting'),
    onTaskSince: instant.nullable(),
    lastSeenAt: instant.nullable(),
    leaseExpiresAt: instant.nullable(),
    goneReason: z.enum(['expired', 'released']).nullable(),
  })
  .meta({ id: 'Agent' });
export const AgentListSchema = z.object({ agents: z.array(AgentViewSchema) }).meta({ id: 'AgentList' });
export const NeedsYouSchema = z
  .object({
    questions: z.array(TaskSchema).describe('Waiting tasks: a holder asked a person'),
    reviews: z.array(TaskSchema).describe('Gated tasks whose holder reported done'),
    count: z.number().int(),
  })
  .meta({ id: 'NeedsYou' });

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

// Compile-time proof that each schema describes exactly what the store returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type OutputSchemasMatch = [
  Assert<Same<z.output<typeof TaskSchema>, Task>>,
  Assert<Same<z.output<typeof TaskDetailSchema>, TaskDetail>>,
  Assert<Same<z.output<typeof SlotViewSchema>, SlotView>>,
  Assert<Same<z.output<typeof TaskEventSchema>, TaskEvent>>,
  Assert<Same<z.output<typeof BoardStatsSchema>, BoardStats>>,
  Assert<Same<z.output<typeof ThroughputSchema>, Throughput>>,
  Assert<Same<z.output<typeof TaskPageSchema>, TaskPage>>,
  Assert<Same<z.output<typeof ClaimResultSchema>, ClaimResult>>,
  Assert<Same<z.output<typeof CompleteResultSchema>, CompleteResult>>,
  Assert<Same<z.output<typeof TaskResultSchema>, TaskResult>>,
  Assert<Same<z.output<typeof AddTasksResultSchema>, AddTasksResult>>,
  Assert<Same<z.output<typeof SlotResultSchema>, SlotResult>>,
  Assert<Same<z.output<typeof ReleaseSlotResultSchema>, ReleaseSlotResult>>,
  Assert<Same<z.output<typeof HeartbeatResultSchema>, HeartbeatResult>>,
  Assert<Same<z.output<typeof CleanAllResultSchema>, CleanAllResult>>,
  Assert<Same<z.output<typeof AgentViewSchema>, AgentView>>,
  Assert<Same<z.output<typeof ResetTasksResultSchema>, ResetTasksResult>>,
];
