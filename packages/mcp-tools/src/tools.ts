// The MCP tools, defined once. The stdio client and the server's /mcp endpoint both call registerTools.
//
// Agents pay tokens for tools/list on every session, so descriptions teach the workflow in few
// words, schemas carry only what a caller fills in, and results use a compact task shape.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import {
  CreateTaskInputSchema,
  DomainError,
  LabelSchema,
  LIMITS,
  SlotNumberSchema,
  TASK_STATUSES,
  TaskIdSchema,
  WorkerIdSchema,
  type Task,
} from '@task-coordinator/core';
import type { ToolBackend } from './backend.js';
import { briefTask, errorResult, line, TaskBriefSchema, taskState, TaskStateSchema } from './format.js';

export interface ToolContext {
  backend: ToolBackend;
  /** The caller's worker id (the stdio process's own, or the /mcp session's). */
  workerId: () => string;
  /** The project every call is scoped to. */
  project: string;
  /** How often a waiting claim_next_task sends a progress notification. */
  progressIntervalMs?: number;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const MAX_WAIT = 60;
const LIST_DEFAULT = 100;

const taskId = TaskIdSchema.describe('Task id');
const workerId = WorkerIdSchema.optional().describe('Defaults to this agent\'s worker id; leave it out');
const reason = z.string().max(4096).optional();
const limit = z.number().int().min(1).max(LIMITS.pageMax).optional();

/** The fields an agent may give when adding a task (core's schema, minus nothing). */
const addTaskShape = CreateTaskInputSchema.shape;

// Annotations state only what differs from the MCP defaults (which assume destructive, open-world tools).
const READ = { readOnlyHint: true, openWorldHint: false } as const;
const WRITE = { destructiveHint: false, openWorldHint: false } as const;
const WRITE_IDEMPOTENT = { ...WRITE, idempotentHint: true } as const;
const DESTRUCTIVE = { destructiveHint: true, openWorldHint: false } as const;

const TaskOut = z.object({ task: TaskStateSchema });
const TasksOut = z.object({ tasks: z.array(TaskBriefSchema), nextCursor: z.string().nullable() });
const SlotOut = z.object({ slot: z.number(), worker: z.string().nullable(), taskId: z.string().nullable(), leaseExpiresAt: z.number().nullable() });

interface Defined {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  output: z.ZodRawShape;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  run: (args: Record<string, unknown>, ctx: ToolContext, extra: Extra) => Promise<{ text: string; data: Record<string, unknown> }>;
}

const listText = (tasks: Task[], more: boolean): string =>
  tasks.length ? `${tasks.map(line).join('\n')}${more ? '\n… more: pass nextCursor as cursor' : ''}` : 'No tasks.';

export const TOOLS: readonly Defined[] = [
  {
    name: 'claim_next_task',
    title: 'Take the next task',
    description:
      'Start here: claims the best available task for you (a worker slot is taken for you). ' +
      'Then update_task status=working, do the work, and finish with update_task status=done + output ' +
      '(or failed + error). Your claim is kept alive while this server runs; if you cannot finish, release_task. ' +
      `wait_seconds (max ${MAX_WAIT}) waits for work; task is null when there is none.`,
    input: {
      wait_seconds: z.number().min(0).max(MAX_WAIT).optional().describe('Wait this long for work when none is available'),
      labels: z.array(LabelSchema).max(LIMITS.labelsMax).optional().describe('Only tasks with one of these labels'),
    },
    output: { task: TaskBriefSchema.nullable(), slot: z.number().nullable(), resumed: z.boolean() },
    annotations: WRITE,
    run: async (args, ctx, extra) => {
      const waitMs = Math.round(((args.wait_seconds as number | undefined) ?? 0) * 1000);
      const input = { project: ctx.project, workerId: ctx.workerId(), ...(args.labels ? { labels: args.labels as string[] } : {}) };
      const stopProgress = waitMs > 0 ? progress(extra, waitMs, ctx.progressIntervalMs ?? 5000) : () => undefined;
      try {
        const result = await ctx.backend.claimNext(input, waitMs, extra.signal);
        if (!result) return { text: 'No task is available right now. Call claim_next_task again later (wait_seconds waits for one).', data: { task: null, slot: null, resumed: false } };
        const { task, slot, resumed } = result;
        const text = `${resumed ? 'You already hold' : 'Claimed'} ${task.id} (slot ${slot}). Next: update_task status=working.\n\n${task.description}`;
        return { text, data: { task: briefTask(task), slot, resumed } };
      } finally {
        stopProgress();
      }
    },
  },
  {
    name: 'update_task',
    title: 'Report progress on your task',
    description:
      'Report on a task you hold: working when you start; done + output when finished (tasks waiting on it become available); ' +
      'failed + error when you cannot (retry=true allows another attempt). LEASE_LOST: it is no longer yours, stop.',
    input: {
      taskId,
      status: z.enum(['working', 'done', 'failed']),
      output: z.string().max(LIMITS.textMaxBytes).optional().describe('With done: what you produced (summary, files, results)'),
      error: z.string().max(LIMITS.textMaxBytes).optional().describe('With failed: why'),
      retry: z.boolean().optional().describe('With failed: let another attempt happen'),
      workerId,
    },
    output: { task: TaskStateSchema, unblocked: z.array(z.string()).optional() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const base = { project: ctx.project, taskId: args.taskId as string, workerId: (args.workerId as string | undefined) ?? ctx.workerId() };
      if (args.status === 'working') {
        const { task } = await ctx.backend.startTask(base);
        return { text: `${task.id} is working. Finish with update_task status=done + output.`, data: { task: taskState(task) } };
      }
      if (args.status === 'done') {
        const { task, unblocked } = await ctx.backend.completeTask({ ...base, ...(args.output !== undefined ? { output: args.output as string } : {}) });
        const next = unblocked.length ? ` Now available: ${unblocked.join(', ')}.` : '';
        return { text: `${task.id} is done.${next} Take more work with claim_next_task.`, data: { task: taskState(task), unblocked } };
      }
      const { task } = await ctx.backend.failTask({
        ...base,
        ...(args.error !== undefined ? { error: args.error as string } : {}),
        ...(args.retry !== undefined ? { retry: args.retry as boolean } : {}),
      });
      const text = task.status === 'available' ? `${task.id} goes back to the queue (attempt ${task.attempts} of ${task.maxAttempts}).` : `${task.id} is failed.`;
      return { text, data: { task: taskState(task) } };
    },
  },
  {
    name: 'release_task',
    title: 'Give a task back',
    description: 'Give a task you hold back to the queue without counting an attempt, e.g. when it is not for you or you must stop.',
    input: { taskId, reason, workerId },
    output: TaskOut.shape,
    annotations: WRITE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.releaseTask({
        project: ctx.project,
        taskId: args.taskId as string,
        workerId: (args.workerId as string | undefined) ?? ctx.workerId(),
        ...(args.reason !== undefined ? { reason: args.reason as string } : {}),
      });
      return { text: `${task.id} is available again.`, data: { task: taskState(task) } };
    },
  },
  {
    name: 'heartbeat',
    title: 'Keep your claims',
    description: 'Renew your leases. Done in the background already; rarely needed.',
    input: {},
    output: { slots: z.array(z.number()), tasks: z.array(z.string()), leaseExpiresAt: z.number().nullable() },
    annotations: WRITE_IDEMPOTENT,
    run: async (_args, ctx) => {
      const { slots, tasks, leaseExpiresAt } = await ctx.backend.heartbeat({ project: ctx.project, workerId: ctx.workerId() });
      const text = tasks.length ? `Leases renewed for ${tasks.join(', ')}.` : 'You hold no task.';
      return { text, data: { slots, tasks, leaseExpiresAt } };
    },
  },
  {
    name: 'get_task',
    title: 'Read one task',
    description: 'One task in full, with its dependencies and the tasks waiting on it.',
    input: { taskId },
    output: { task: TaskBriefSchema, dependents: z.array(z.string()) },
    annotations: READ,
    run: async (args, ctx) => {
      const task = await ctx.backend.getTask({ project: ctx.project, taskId: args.taskId as string });
      const parts = [line(task), '', task.description];
      if (task.dependencies.length) parts.push('', `Depends on: ${task.dependencies.join(', ')}`);
      if (task.dependents.length) parts.push(`Needed by: ${task.dependents.join(', ')}`);
      if (task.output) parts.push('', `Output: ${task.output}`);
      if (task.error) parts.push('', `Error: ${task.error}`);
      return { text: parts.join('\n'), data: { task: briefTask(task), dependents: task.dependents } };
    },
  },
  {
    name: 'get_task_history',
    title: 'A task\'s history',
    description: 'What happened to a task, oldest first.',
    input: { taskId, limit },
    output: { events: z.array(z.object({ seq: z.number(), at: z.number(), type: z.string(), workerId: z.string().nullable(), data: z.record(z.string(), z.unknown()) })) },
    annotations: READ,
    run: async (args, ctx) => {
      const events = await ctx.backend.taskHistory({ project: ctx.project, taskId: args.taskId as string, ...(args.limit ? { limit: args.limit as number } : {}) });
      const text = events.length
        ? events.map((e) => `${new Date(e.at).toISOString()} ${e.type}${e.workerId ? ` by ${e.workerId}` : ''}${typeof e.data.reason === 'string' ? `: ${e.data.reason}` : ''}`).join('\n')
        : 'No history.';
      return { text, data: { events: events.map(({ seq, at, type, workerId: w, data }) => ({ seq, at, type, workerId: w, data })) } };
    },
  },
  {
    name: 'get_available_tasks',
    title: 'Tasks ready to claim',
    description: 'Tasks whose dependencies are all done and that nobody holds. To take one, prefer claim_next_task.',
    input: { limit, cursor: z.string().optional() },
    output: TasksOut.shape,
    annotations: READ,
    run: async (args, ctx) => {
      const page = await ctx.backend.listTasks({
        project: ctx.project,
        status: ['available'],
        limit: (args.limit as number | undefined) ?? LIST_DEFAULT,
        ...(args.cursor ? { cursor: args.cursor as string } : {}),
      });
      return { text: listText(page.tasks, page.nextCursor !== null), data: { tasks: page.tasks.map(briefTask), nextCursor: page.nextCursor } };
    },
  },
  {
    name: 'get_all_tasks',
    title: 'The board',
    description: 'All tasks in creation order, optionally by status. blocked = waiting for dependencies; claimed/working = someone holds it.',
    input: { status: z.array(z.enum(TASK_STATUSES)).optional(), limit, cursor: z.string().optional() },
    output: TasksOut.shape,
    annotations: READ,
    run: async (args, ctx) => {
      const page = await ctx.backend.listTasks({
        project: ctx.project,
        limit: (args.limit as number | undefined) ?? LIST_DEFAULT,
        ...(args.status ? { status: args.status as Task['status'][] } : {}),
        ...(args.cursor ? { cursor: args.cursor as string } : {}),
      });
      return { text: listText(page.tasks, page.nextCursor !== null), data: { tasks: page.tasks.map(briefTask), nextCursor: page.nextCursor } };
    },
  },
  {
    name: 'add_task',
    title: 'Add a task',
    description: 'Add one task. dependencies: ids that must be done first (it stays blocked until then). Re-adding the same content is harmless.',
    input: addTaskShape,
    output: TaskOut.shape,
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { tasks, created } = await ctx.backend.addTasks({ project: ctx.project, tasks: [args as never] });
      const task = tasks[0] as Task;
      return { text: `${created.length ? 'Added' : 'Already there:'} ${line(task)}`, data: { task: taskState(task) } };
    },
  },
  {
    name: 'add_tasks',
    title: 'Add a plan',
    description: 'Add many tasks at once (fields as in add_task), all or none. Members may depend on each other by id; unknown ids and cycles are refused.',
    input: { tasks: z.array(z.object(addTaskShape)).min(1).max(LIMITS.batchMax) },
    output: { created: z.array(z.string()), existing: z.array(z.string()) },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { created, existing, tasks } = await ctx.backend.addTasks({ project: ctx.project, tasks: args.tasks as never });
      const blocked = tasks.filter((t) => t.status === 'blocked').length;
      return { text: `Added ${created.length} task(s)${existing.length ? `, ${existing.length} already there` : ''}; ${blocked} blocked by dependencies.`, data: { created, existing } };
    },
  },
  {
    name: 'claim_task',
    title: 'Claim a named task',
    description: 'Claim one specific available task. Prefer claim_next_task, which picks the best one and takes a slot for you.',
    input: { taskId, workerId, workerSlot: SlotNumberSchema.optional().describe('Your slot; taken for you when left out') },
    output: { task: TaskBriefSchema, slot: z.number(), resumed: z.boolean() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const worker = (args.workerId as string | undefined) ?? ctx.workerId();
      const slot = (args.workerSlot as number | undefined) ?? (await ctx.backend.claimSlot({ project: ctx.project, workerId: worker })).slot.slot;
      const { task, resumed } = await ctx.backend.claimTask({ project: ctx.project, taskId: args.taskId as string, workerId: worker, slot });
      return { text: `Claimed ${task.id} (slot ${slot}). Next: update_task status=working.\n\n${task.description}`, data: { task: briefTask(task), slot, resumed } };
    },
  },
  {
    name: 'claim_worker_slot',
    title: 'Take a worker slot',
    description: 'Take a worker slot (slots cap how many agents work at once). claim_next_task does this for you.',
    input: {},
    output: SlotOut.shape,
    annotations: WRITE_IDEMPOTENT,
    run: async (_args, ctx) => {
      const { slot } = await ctx.backend.claimSlot({ project: ctx.project, workerId: ctx.workerId() });
      return { text: `You hold worker slot ${slot.slot}.`, data: { slot: slot.slot, worker: slot.worker, taskId: slot.taskId, leaseExpiresAt: slot.leaseExpiresAt } };
    },
  },
  {
    name: 'release_worker_slot',
    title: 'Give up your slot',
    description: 'Free a worker slot when you are done working; a task still in it goes back to the queue.',
    input: { slot: SlotNumberSchema },
    output: { slot: z.number(), released: z.boolean(), releasedTask: z.string().nullable() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const result = await ctx.backend.releaseSlot({ project: ctx.project, slot: args.slot as number, workerId: ctx.workerId() });
      const text = result.released ? `Released slot ${result.slot}${result.releasedTask ? `; ${result.releasedTask} is available again` : ''}.` : `Slot ${result.slot} was already free.`;
      return { text, data: { ...result } };
    },
  },
  {
    name: 'get_workers',
    title: 'Worker slots',
    description: 'Every worker slot: free, or who holds it with which task.',
    input: {},
    output: { slots: z.array(SlotOut.extend({ free: z.boolean() })) },
    annotations: READ,
    run: async (_args, ctx) => {
      const slots = await ctx.backend.listSlots({ project: ctx.project });
      const text = slots.map((s) => `slot ${s.slot}: ${s.free ? 'free' : `${s.worker ?? 'anonymous'}${s.taskId ? ` on ${s.taskId}` : ''}`}`).join('\n');
      return { text, data: { slots: slots.map((s) => ({ slot: s.slot, free: s.free, worker: s.worker, taskId: s.taskId, leaseExpiresAt: s.leaseExpiresAt })) } };
    },
  },
  {
    name: 'reset_failed_task',
    title: 'Retry a failed task',
    description: 'Bring a failed or cancelled task back to the queue with its attempts at zero.',
    input: { taskId },
    output: TaskOut.shape,
    annotations: WRITE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.resetTask({ project: ctx.project, taskId: args.taskId as string });
      return { text: `${task.id} is ${task.status} again.`, data: { task: taskState(task) } };
    },
  },
  {
    name: 'cancel_task',
    title: 'Withdraw a task',
    description: 'Withdraw a task that is not finished; whoever holds it loses it. Tasks depending on it stay blocked.',
    input: { taskId, reason },
    output: TaskOut.shape,
    annotations: DESTRUCTIVE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.cancelTask({ project: ctx.project, taskId: args.taskId as string, ...(args.reason ? { reason: args.reason as string } : {}) });
      return { text: `${task.id} is cancelled.`, data: { task: taskState(task) } };
    },
  },
  {
    name: 'clean_all_tasks',
    title: 'Delete the whole board',
    description: 'Delete EVERY task and free every slot. Only when a human asked for it; it cannot be undone.',
    input: {},
    output: { removed: z.number(), slotsFreed: z.number() },
    annotations: { ...DESTRUCTIVE, idempotentHint: true },
    run: async (_args, ctx) => {
      const result = await ctx.backend.cleanAll({ project: ctx.project });
      return { text: `Deleted ${result.removed} task(s); freed ${result.slotsFreed} slot(s).`, data: { ...result } };
    },
  },
];

export const TOOL_NAMES = TOOLS.map((t) => t.name);

/** Sends a progress notification now and every `everyMs` while a claim waits, when the client asked for progress. */
function progress(extra: Extra, waitMs: number, everyMs: number): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => undefined;
  const started = Date.now();
  const send = () => {
    const elapsed = Date.now() - started;
    void extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: Math.min(elapsed, waitMs), total: waitMs, message: `waiting for a task (${Math.round(elapsed / 1000)}s)` },
      })
      .catch(() => undefined);
  };
  send();
  const timer = setInterval(send, everyMs);
  return () => clearInterval(timer);
}

/**
 * A JSON Schema as small as it can be without losing meaning: no $schema, no closed-object
 * markers, no safe-integer bounds. Every byte here is paid for by every agent session.
 */
function compactSchema(shape: z.ZodRawShape, io: 'input' | 'output'): Tool['inputSchema'] {
  const json = z.toJSONSchema(z.object(shape), { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  // Inside array items, descriptions repeat what the enclosing field already says: dropped.
  const strip = (value: unknown, inItems: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => strip(v, inItems));
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$schema' || key === 'additionalProperties' || (inItems && key === 'description')) continue;
      if ((key === 'minimum' || key === 'maximum') && Math.abs(inner as number) === Number.MAX_SAFE_INTEGER) continue;
      out[key] = strip(inner, inItems || key === 'items');
    }
    return out;
  };
  return strip(json, false) as Tool['inputSchema'];
}

/** The tools/list entries: generated from TOOLS, like the handlers. */
export function toolListing(): Tool[] {
  return TOOLS.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: compactSchema(tool.input, 'input'),
    outputSchema: compactSchema(tool.output, 'output') as Tool['outputSchema'],
    annotations: tool.annotations,
  }));
}

/** Registers every tool on `server`; domain errors become tool errors with the code and a hint. */
export function registerTools(server: McpServer, ctx: ToolContext): void {
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
      (async (args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> => {
        try {
          const { text, data } = await tool.run(args ?? {}, ctx, extra);
          return { content: [{ type: 'text', text }], structuredContent: data };
        } catch (error) {
          return errorResult(error instanceof DomainError ? error : new DomainError('INTERNAL', (error as Error)?.message ?? 'unexpected error'));
        }
      }) as never,
    );
  }
  // The SDK's own listing carries verbose schemas (draft-07 markers, closed objects, integer
  // bounds): twice our budget. Same tools, same schemas, compact JSON.
  const listing = toolListing();
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
}
