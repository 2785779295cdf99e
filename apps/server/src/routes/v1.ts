// REST under /api/v1, declared once as a table: the router and the OpenAPI document are both built from it.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  AddTasksInputSchema,
  AddTasksResultSchema,
  BoardStatsSchema,
  CancelTaskInputSchema,
  ClaimNextInputSchema,
  ClaimResultSchema,
  ClaimSlotInputSchema,
  ClaimTaskInputSchema,
  CleanAllInputSchema,
  CleanAllResultSchema,
  CompleteResultSchema,
  CompleteTaskInputSchema,
  CreateTaskInputSchema,
  DomainError,
  LIMITS,
  EditTaskInputSchema,
  EventsQuerySchema,
  FailTaskInputSchema,
  GetTaskInputSchema,
  HeartbeatInputSchema,
  HeartbeatResultSchema,
  HistoryQuerySchema,
  ListTasksQuerySchema,
  parseInput,
  ProjectSchema,
  ReleaseSlotInputSchema,
  ReleaseSlotResultSchema,
  ReleaseTaskInputSchema,
  ResetTaskInputSchema,
  SlotResultSchema,
  SlotViewSchema,
  StartTaskInputSchema,
  StatsQuerySchema,
  TaskDetailSchema,
  TaskEventSchema,
  TaskPageSchema,
  TaskResultSchema,
  TaskSchema,
  ThroughputSchema,
  type Store,
} from '@task-coordinator/core';
import { claimNextWaiting, MAX_WAIT_SECONDS } from '../live/claim-waiting.js';
import type { ThroughputSampler } from '../live/throughput.js';
import type { Wakeups } from '../live/wakeups.js';
import type { Metrics } from '../ops/metrics.js';
import { EXPORT_FORMATS, exportEvents } from '../ops/audit-export.js';
import { loadPlan } from '../plans/plan-file.js';

/** claim-next over HTTP: core's input plus how long to wait for work. */
export const ClaimNextRequestSchema = ClaimNextInputSchema.extend({
  wait: z.number().min(0).max(MAX_WAIT_SECONDS).optional().describe(`Seconds to wait for work when none is available (0-${MAX_WAIT_SECONDS})`),
});

export const EventsRequestSchema = EventsQuerySchema.extend({
  wait: z.number().min(0).max(MAX_WAIT_SECONDS).optional().describe('Seconds to wait when no matching event follows afterSeq'),
});

export const EventsExportRequestSchema = EventsQuerySchema.omit({ limit: true }).extend({
  format: z.enum(EXPORT_FORMATS).optional().describe('csv (default), json or jsonl'),
});

const AddOneRequestSchema = CreateTaskInputSchema.extend({ project: ProjectSchema.optional() });
const AddRequestSchema = z.union([AddOneRequestSchema, AddTasksInputSchema]);
const AddOneResultSchema = z.object({ task: TaskSchema, created: z.boolean() });
export const PlanRequestSchema = z.strictObject({
  plan: z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .describe('The plan: YAML or JSON text (errors then name lines), or the plan object. {name?, project?, parameters?, tasks:[{id, description, dependencies?, priority?, labels?, …}]}'),
  prefix: z.string().max(64).optional().describe('Prepended to every plan id (and to dependencies on plan entries): start the same template many times'),
  parameters: z.record(z.string(), z.string().max(LIMITS.descriptionMaxBytes)).optional().describe('Values for the template\'s {{parameters}}'),
  project: ProjectSchema.optional().describe('Project to add to; defaults to the plan\'s own, then "default"'),
  dryRun: z.boolean().optional().describe('Check the plan and answer the tasks and edges it would create, adding nothing (a preview)'),
});

const PlanResultSchema = z.object({
  name: z.string().nullable(),
  project: z.string(),
  dryRun: z.boolean(),
  tasks: z.array(z.object({ id: z.string(), description: z.string(), dependencies: z.array(z.string()).optional() }).loose()),
  edges: z.array(z.object({ from: z.string().describe('the dependency'), to: z.string().describe('the task waiting for it') })),
  created: z.array(z.string()).describe('Ids added by this call; empty on a dry run or an identical re-run'),
});

/** /stats: the board's counts plus this process's activity, for the dashboard's charts. */
export const StatsResponseSchema = BoardStatsSchema.extend({
  activity: z.object({
    claims: z.number().int(),
    completions: z.number().int(),
    failures: z.number().int(),
    retries: z.number().int(),
    leaseExpiries: z.number().int(),
    since: z.number().int().describe('When this server process started counting (epoch ms)'),
  }),
  server: z.object({
    longPollsWaiting: z.number().int(),
    storeErrors: z.number().int(),
    retention: z.object({ passes: z.number().int(), events: z.number().int(), tasks: z.number().int() }),
  }),
});
const ClaimNextResultSchema = z.union([ClaimResultSchema, z.object({ task: z.null(), slot: z.null(), resumed: z.literal(false) })]);

export interface RouteContext {
  store: Store;
  wakeups: Wakeups;
  throughput: ThroughputSampler;
  metrics: Metrics;
  /** The response being answered: a long-poll watches it to notice a client that went away. */
  res: ServerResponse;
}

/** A request as the dispatcher hands it over: decoded path parameters, query, parsed JSON body. */
export interface RawInput {
  query: Record<string, string | string[]>;
  params: Record<string, string>;
  body: unknown;
}

/** A reply with a status other than the route's default. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export interface RouteSpec {
  method: 'get' | 'post' | 'patch';
  /** Express path under /api/v1; `:id` is a task id, `:slot` a slot number. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'tasks' | 'workers' | 'events' | 'admin';
  /** Where the input fields come from; path parameters are merged in. */
  from: 'query' | 'body';
  /** Query parameters that are comma-separated lists. */
  lists?: readonly string[];
  /** The request schema (validated by the store or the handler; documented in OpenAPI). */
  request: z.ZodType;
  response: z.ZodType;
  /** Status of a successful answer when `run` returns a plain value. */
  status?: number;
  run: (ctx: RouteContext, input: Record<string, unknown>) => Promise<unknown>;
}

const NUMERIC = new Set(['limit', 'afterSeq', 'wait', 'since', 'until']);

/** Query strings → typed values for the schemas: numbers where numbers go, lists split on commas. */
function fromQuery(query: RawInput['query'], lists: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (lists.includes(key)) out[key] = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter(Boolean);
    else if (!Array.isArray(value) && NUMERIC.has(key) && /^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

/** The JSON object body of a request, or VALIDATION_FAILED. */
function fromBody(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DomainError('VALIDATION_FAILED', 'request body must be a JSON object', { issues: [{ path: '(body)', message: 'expected an object' }] });
  }
  return value as Record<string, unknown>;
}

/**
 * The input fields of a route: query or body, plus path parameters (`:id` → taskId); a body
 * naming a different value than the path is refused. `?project=` applies to bodies too.
 */
export function inputOf(spec: RouteSpec, raw: RawInput): Record<string, unknown> {
  const input = spec.from === 'query' ? fromQuery(raw.query, spec.lists) : { ...fromBody(raw.body) };
  const project = raw.query.project;
  if (spec.from === 'body' && typeof project === 'string' && !('project' in input)) input.project = project;
  for (const [param, value] of Object.entries(raw.params)) {
    const field = param === 'id' ? 'taskId' : param;
    const typed = param === 'slot' && /^\d+$/.test(value) ? Number(value) : value;
    if (field in input && input[field] !== typed) {
      throw new DomainError('VALIDATION_FAILED', `${field} in the request differs from the one in the path`, {
        issues: [{ path: field, message: 'differs from the path' }],
      });
    }
    input[field] = typed;
  }
  return input;
}

/** Aborted when the client goes away before its answer is written. */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

const task = (path: string) => `/tasks/:id${path}`;

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'get',
    path: '/tasks',
    operationId: 'listTasks',
    summary: 'List tasks in creation order, filtered, a page at a time (pass nextCursor as cursor)',
    tag: 'tasks',
    from: 'query',
    lists: ['status'],
    request: ListTasksQuerySchema,
    response: TaskPageSchema,
    run: ({ store }, input) => store.listTasks(input as never),
  },
  {
    method: 'post',
    path: '/tasks',
    operationId: 'addTasks',
    summary: 'Add one task, or a batch {tasks:[…]} atomically (all or none); an identical re-add is an idempotent retry',
    tag: 'tasks',
    from: 'body',
    request: AddRequestSchema,
    response: z.union([AddOneResultSchema, AddTasksResultSchema]),
    status: 201,
    run: async ({ store }, input) => {
      if ('tasks' in input) {
        const result = await store.addTasks(input as never);
        return new Reply(result.created.length ? 201 : 200, result);
      }
      const { project, ...one } = input;
      const result = await store.addTasks({ ...(project === undefined ? {} : { project: project as string }), tasks: [one as never] });
      return new Reply(result.created.length ? 201 : 200, { task: result.tasks[0], created: result.created.length === 1 });
    },
  },
  {
    method: 'post',
    path: '/plans',
    operationId: 'loadPlan',
    summary: 'Load a plan or instantiate a template: every task added atomically, or none with each error naming its entry and line; dryRun previews the tasks and edges',
    tag: 'tasks',
    from: 'body',
    request: PlanRequestSchema,
    response: PlanResultSchema,
    status: 201,
    run: async ({ store }, input) => {
      const request = parseInput(PlanRequestSchema, input, 'plan request');
      const result = await loadPlan(store, request);
      return new Reply(result.created.length ? 201 : 200, result);
    },
  },
  {
    method: 'get',
    path: task(''),
    operationId: 'getTask',
    summary: 'One task with the ids of its dependents',
    tag: 'tasks',
    from: 'query',
    request: GetTaskInputSchema,
    response: z.object({ task: TaskDetailSchema }),
    run: async ({ store }, input) => ({ task: await store.getTask(input as never) }),
  },
  {
    method: 'patch',
    path: task(''),
    operationId: 'editTask',
    summary: "Change a task's description, priority, labels, deadline or maxAttempts",
    tag: 'tasks',
    from: 'body',
    request: EditTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.editTask(input as never),
  },
  {
    method: 'get',
    path: task('/history'),
    operationId: 'taskHistory',
    summary: "A task's events, oldest first",
    tag: 'tasks',
    from: 'query',
    request: HistoryQuerySchema,
    response: z.object({ events: z.array(TaskEventSchema) }),
    run: async ({ store }, input) => ({ events: await store.taskHistory(input as never) }),
  },
  {
    method: 'post',
    path: task('/claim'),
    operationId: 'claimTask',
    summary: 'Claim this task in a slot you hold',
    tag: 'workers',
    from: 'body',
    request: ClaimTaskInputSchema,
    response: ClaimResultSchema,
    run: ({ store }, input) => store.claimTask(input as never),
  },
  {
    method: 'post',
    path: task('/start'),
    operationId: 'startTask',
    summary: 'Say you started working on a task you hold',
    tag: 'workers',
    from: 'body',
    request: StartTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.startTask(input as never),
  },
  {
    method: 'post',
    path: task('/complete'),
    operationId: 'completeTask',
    summary: 'Finish a task you hold, with its output; dependents waiting only on it become available',
    tag: 'workers',
    from: 'body',
    request: CompleteTaskInputSchema,
    response: CompleteResultSchema,
    run: ({ store }, input) => store.completeTask(input as never),
  },
  {
    method: 'post',
    path: task('/fail'),
    operationId: 'failTask',
    summary: 'Give up on a task you hold; retry:true puts it back while attempts remain',
    tag: 'workers',
    from: 'body',
    request: FailTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.failTask(input as never),
  },
  {
    method: 'post',
    path: task('/release'),
    operationId: 'releaseTask',
    summary: 'Give a task you hold back to the queue without counting an attempt',
    tag: 'workers',
    from: 'body',
    request: ReleaseTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.releaseTask(input as never),
  },
  {
    method: 'post',
    path: task('/reset'),
    operationId: 'resetTask',
    summary: 'Bring a failed or cancelled task back (attempts to 0)',
    tag: 'admin',
    from: 'body',
    request: ResetTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.resetTask(input as never),
  },
  {
    method: 'post',
    path: task('/cancel'),
    operationId: 'cancelTask',
    summary: 'Withdraw a task that is not finished; its holder loses it',
    tag: 'admin',
    from: 'body',
    request: CancelTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.cancelTask(input as never),
  },
  {
    method: 'post',
    path: '/claim-next',
    operationId: 'claimNextTask',
    summary: `Claim the best available task (taking a free slot if you hold none); wait up to ${MAX_WAIT_SECONDS} s for one`,
    tag: 'workers',
    from: 'body',
    request: ClaimNextRequestSchema,
    response: ClaimNextResultSchema,
    run: async ({ store, wakeups, res }, input) => {
      const { wait, ...claim } = parseInput(ClaimNextRequestSchema, input, 'claim-next');
      const result = wait ? await claimNextWaiting(store, wakeups, claim, wait * 1000, clientGone(res)) : await store.claimNextTask(claim);
      return result ?? { task: null, slot: null, resumed: false };
    },
  },
  {
    method: 'get',
    path: '/slots',
    operationId: 'listSlots',
    summary: 'Every worker slot, held or free',
    tag: 'workers',
    from: 'query',
    request: z.strictObject({ project: ProjectSchema.optional() }),
    response: z.object({ slots: z.array(SlotViewSchema) }),
    run: async ({ store }, input) => ({ slots: await store.listSlots(input as never) }),
  },
  {
    method: 'post',
    path: '/slots',
    operationId: 'claimSlot',
    summary: 'Take the lowest free slot (the same worker asking again gets the slot it holds)',
    tag: 'workers',
    from: 'body',
    request: ClaimSlotInputSchema,
    response: SlotResultSchema,
    run: async ({ store }, input) => {
      const result = await store.claimSlot(input as never);
      return new Reply(result.created ? 201 : 200, result);
    },
  },
  {
    method: 'post',
    path: '/slots/:slot/release',
    operationId: 'releaseSlot',
    summary: 'Free a slot; a task it holds goes back to the queue without counting an attempt',
    tag: 'workers',
    from: 'body',
    request: ReleaseSlotInputSchema,
    response: ReleaseSlotResultSchema,
    run: ({ store }, input) => store.releaseSlot(input as never),
  },
  {
    method: 'post',
    path: '/heartbeat',
    operationId: 'heartbeat',
    summary: "Renew every lease of a worker (its slots and claims); any other call of the worker renews them too",
    tag: 'workers',
    from: 'body',
    request: HeartbeatInputSchema,
    response: HeartbeatResultSchema,
    run: ({ store }, input) => store.heartbeat(input as never),
  },
  {
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary:
      'The audit log: committed events after a seq, in order, filtered by project, taskId, workerId, type (comma-separated), since and until (ISO-8601 or epoch ms); wait up to 60 s for the next one. Page on with afterSeq=nextCursor',
    tag: 'events',
    from: 'query',
    lists: ['type'],
    request: EventsRequestSchema,
    response: z.object({
      events: z.array(TaskEventSchema),
      lastSeq: z.number().int(),
      nextCursor: z.string().nullable().describe('Pass as afterSeq for the next page; null when this page was the last one'),
    }),
    run: async ({ store, wakeups, res }, input) => {
      const { wait, afterSeq = 0, limit = 100, ...filters } = parseInput(EventsRequestSchema, input, 'query');
      const q = { ...filters, afterSeq, limit };
      let events = await store.events(q);
      if (!events.length && wait) {
        // Long-poll: arm, re-check, sleep until any event; repeat until one matches or time is up.
        const signal = clientGone(res);
        const deadline = Date.now() + wait * 1000;
        while (!events.length && !signal.aborted && Date.now() < deadline) {
          const armed = wakeups.arm(null);
          try {
            events = await store.events(q);
            if (events.length || (await armed.wait(deadline - Date.now(), signal)) !== 'woken') break;
            events = await store.events(q);
          } finally {
            armed.disarm();
          }
        }
      }
      const lastSeq = events.at(-1)?.seq ?? afterSeq;
      return { events, lastSeq, nextCursor: events.length === limit ? String(lastSeq) : null };
    },
  },
  {
    method: 'get',
    path: '/events/export',
    operationId: 'exportEvents',
    summary: 'Download the audit log: every event matching the same filters as /events, as CSV, JSON or JSON Lines (streamed)',
    tag: 'events',
    from: 'query',
    lists: ['type'],
    request: EventsExportRequestSchema,
    response: z.string().describe('text/csv, application/json (an array) or application/x-ndjson'),
    run: async ({ store, res }, input) => {
      const { format = 'csv', ...query } = parseInput(EventsExportRequestSchema, input, 'query');
      await exportEvents(store, res, query, format);
      return null;
    },
  },
  {
    method: 'get',
    path: '/stats',
    operationId: 'stats',
    summary: 'Tasks by status, slots in use, the last event seq; claims, completions, failures and lease expiries since the server started (the figures of /metrics)',
    tag: 'events',
    from: 'query',
    request: StatsQuerySchema,
    response: StatsResponseSchema,
    run: async ({ store, metrics }, input) => {
      const stats = await store.stats(input as never);
      return { ...stats, activity: metrics.activityOf(stats.project), server: metrics.serverFigures() };
    },
  },
  {
    method: 'get',
    path: '/stats/throughput',
    operationId: 'throughput',
    summary: 'The last hour a minute at a time: tasks completed, failed and added, and the queue depth',
    tag: 'events',
    from: 'query',
    request: StatsQuerySchema,
    response: ThroughputSchema,
    run: ({ throughput }, input) => throughput.read(parseInput(StatsQuerySchema, input, 'query').project ?? 'default'),
  },
  {
    method: 'post',
    path: '/clean-all',
    operationId: 'cleanAll',
    summary: 'Remove every task of the project and free every slot (events keep the record)',
    tag: 'admin',
    from: 'body',
    request: CleanAllInputSchema,
    response: CleanAllResultSchema,
    run: ({ store }, input) => store.cleanAll(input as never),
  },
];
