// How an MCP tool is declared: a generic definition whose handler arguments are what its input
// shape parses to and whose structured result must fit its output shape, as the SDK's registerTool
// infers them. The erased `ToolDef` is what the table, the listing and registerTools read.
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { LIMITS, parseInput, TaskIdSchema, WorkerIdSchema, type Task } from '@task-coordinator/core';
import type { ToolBackend } from '../backend.js';
import { line, TaskBriefSchema, TaskStateSchema } from '../format.js';

export interface ToolContext {
  backend: ToolBackend;
  /** The caller's worker id (the stdio process's own, or the /mcp session's). */
  workerId: () => string;
  /** The project every call is scoped to. */
  project: string;
  /** How often a waiting claim_next_task sends a progress notification. */
  progressIntervalMs?: number;
}

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

interface ToolMeta {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
}

/**
 * What a tool answers. `text` says what happened; `next` says what the caller now holds, what became
 * available and what to do next. Both reach the model whatever its client shows: the text content is
 * `text` + `next`, and the structured result carries `next` as a field (Claude Code shows an agent the
 * structured result as JSON, other clients the text).
 */
export interface ToolAnswer<Data> {
  text: string;
  data: Data;
  next: string;
}

export interface ToolSpec<In extends z.ZodRawShape, Out extends z.ZodRawShape> extends ToolMeta {
  input: In;
  output: Out;
  run: (
    args: z.output<z.ZodObject<In>>,
    ctx: ToolContext,
    extra: Extra,
  ) => Promise<ToolAnswer<z.input<z.ZodObject<Out>>>>;
}

/** A tool with its types erased, as the table holds it. */
export interface ToolDef extends ToolMeta {
  input: z.ZodRawShape;
  /** The structured result's shape, `next` included. */
  output: z.ZodRawShape;
  /** Parses the arguments with the input shape, then runs the tool. */
  call(args: unknown, ctx: ToolContext, extra: Extra): Promise<ToolAnswer<Record<string, unknown>>>;
}

/** The guidance field every structured result carries. */
export const NEXT = z.string();

/** Declares a tool; its handler's argument type comes from `input`, its result type from `output`. */
export function defineTool<In extends z.ZodRawShape, Out extends z.ZodRawShape>(spec: ToolSpec<In, Out>): ToolDef {
  const { run, ...meta } = spec;
  const args = z.object(spec.input);
  return {
    ...meta,
    output: { ...spec.output, next: NEXT },
    call: async (raw, ctx, extra) => {
      const { text, data, next } = await run(parseInput(args, raw ?? {}, 'arguments'), ctx, extra);
      return { text, data: data as Record<string, unknown>, next };
    },
  };
}

/**
 * A whole number the way models and original clients sometimes send it: a JSON number, or its
 * decimal text ("1"). The listing advertises both.
 */
export const wholeNumber = <T extends z.ZodNumber>(schema: T) =>
  z.union([
    schema,
    z
      .string()
      .regex(/^\s*\d+\s*$/)
      .transform((text) => Number(text))
      .pipe(schema),
  ]);

// Annotations state only what differs from the MCP defaults (which assume destructive, open-world tools).
export const READ = { readOnlyHint: true, openWorldHint: false } as const;
export const WRITE = { destructiveHint: false, openWorldHint: false } as const;
export const WRITE_IDEMPOTENT = { ...WRITE, idempotentHint: true } as const;
export const DESTRUCTIVE = { destructiveHint: true, openWorldHint: false } as const;

export const MAX_WAIT = 60;
export const LIST_DEFAULT = 100;

export const taskId = TaskIdSchema.describe('Task id');
export const workerId = WorkerIdSchema.optional().describe("Defaults to this agent's worker id; leave it out");
export const reason = z.string().max(4096).optional();
export const limit = z.number().int().min(1).max(LIMITS.pageMax).optional();

export const TaskOut = z.object({ task: TaskStateSchema });
export const TasksOut = z.object({ tasks: z.array(TaskBriefSchema), nextCursor: z.string().nullable() });
export const SlotOut = z.object({
  slot: z.number(),
  worker: z.string().nullable(),
  taskId: z.string().nullable(),
  leaseExpiresAt: z.number().nullable(),
});

export const listText = (tasks: Task[], more: boolean): string =>
  tasks.length ? `${tasks.map(line).join('\n')}${more ? '\n… more: pass nextCursor as cursor' : ''}` : 'No tasks.';
