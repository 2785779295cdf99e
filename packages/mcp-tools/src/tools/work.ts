// The agent's loop on one task: take the next one, report on it, give it back, keep the lease.
import { z } from 'zod';
import { DomainError, LabelSchema, LIMITS } from '@task-coordinator/core';
import { briefTask, TaskBriefSchema, taskState, TaskStateSchema } from '../format.js';
import {
  defineTool,
  MAX_WAIT,
  reason,
  taskId,
  TaskOut,
  workerId,
  WRITE,
  WRITE_IDEMPOTENT,
  type ToolDef,
} from './define.js';
import { handoffText } from './humans.js';
import { progress } from './progress.js';

/** What an agent does with a task it now holds. */
export const holdNext = (id: string) =>
  `It is yours: update_task taskId=${id} status=working, do the work, then update_task status=done with output ` +
  '(or status=failed with error; release_task if you must stop). Your claim stays alive while this MCP server runs; ' +
  'LEASE_LOST on a call means it is no longer yours: stop.';

export const WORK_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'claim_next_task',
    title: 'Take the next task',
    description:
      'Start here: claims the best available task for you (a worker slot is taken for you). ' +
      'Then update_task status=working, do the work, and finish with update_task status=done + output ' +
      '(or failed + error). Your claim is kept alive while this server runs; if you cannot finish, release_task. ' +
      `wait_seconds (max ${MAX_WAIT}) waits for work; task is null when there is none.`,
    input: {
      wait_seconds: z
        .number()
        .min(0)
        .max(MAX_WAIT)
        .optional()
        .describe('Wait this long for work when none is available'),
      labels: z.array(LabelSchema).max(LIMITS.labelsMax).optional().describe('Only tasks with one of these labels'),
    },
    output: { task: TaskBriefSchema.nullable(), slot: z.number().nullable(), resumed: z.boolean() },
    annotations: WRITE,
    run: async (args, ctx, extra) => {
      const waitMs = Math.round((args.wait_seconds ?? 0) * 1000);
      const input = {
        project: ctx.project,
        workerId: ctx.workerId(),
        ...(args.labels ? { labels: args.labels } : {}),
      };
      const stopProgress = waitMs > 0 ? progress(extra, waitMs, ctx.progressIntervalMs ?? 5000) : () => undefined;
      try {
        const result = await ctx.backend.claimNext(input, waitMs, extra.signal);
        if (!result)
          return {
            text: 'No task is available right now.',
            data: { task: null, slot: null, resumed: false },
            next: `Call claim_next_task with wait_seconds (up to ${MAX_WAIT}) to wait for one; get_task shows what a task waits for.`,
          };
        const { task, slot, resumed } = result;
        return {
          text: `${resumed ? 'You already hold' : 'You now hold'} ${task.id} (slot ${slot}):\n\n${task.description}${handoffText(result.handoff)}`,
          data: { task: briefTask(task), slot, resumed },
          next: holdNext(task.id),
        };
      } finally {
        stopProgress();
      }
    },
  }),
  defineTool({
    name: 'update_task',
    title: 'Report progress on your task, finish it',
    description:
      'Report on a task you hold: working when you start; done + output to finish and complete it (tasks waiting on it become available); ' +
      'failed + error when you cannot (retry=true allows another attempt); waiting + question asks a person (answer: get_task). ' +
      'LEASE_LOST: it is no longer yours, stop.',
    input: {
      taskId,
      status: z.enum(['working', 'waiting', 'done', 'failed']),
      progress: z.string().max(LIMITS.progressMaxBytes).optional().describe('One line: where you are'),
      note: z.string().max(LIMITS.noteMaxBytes).optional().describe('For the next holder'),
      question: z.string().max(LIMITS.noteMaxBytes).optional().describe('With waiting'),
      output: z
        .string()
        .max(LIMITS.textMaxBytes)
        .optional()
        .describe('With done: what you produced (summary, files, results)'),
      error: z.string().max(LIMITS.textMaxBytes).optional().describe('With failed: why'),
      retry: z.boolean().optional().describe('With failed: let another attempt happen'),
      workerId,
    },
    output: { task: TaskStateSchema, unblocked: z.array(z.string()).optional() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const base = { project: ctx.project, taskId: args.taskId, workerId: args.workerId ?? ctx.workerId() };
      if (args.note !== undefined) await ctx.backend.addNote({ ...base, text: args.note, by: base.workerId });
      if (args.status === 'waiting') {
        if (args.question === undefined) {
          throw new DomainError('VALIDATION_FAILED', 'status=waiting needs a question', {
            issues: [{ path: 'question', message: 'required with status=waiting' }],
          });
        }
        const { task } = await ctx.backend.askQuestion({ ...base, question: args.question });
        return {
          text: `${task.id} is waiting for a person's answer (still yours).`,
          data: { task: taskState(task) },
          next: `Read the answer with get_task taskId=${task.id} (or ask_human waits for it); keep working on what does not depend on it.`,
        };
      }
      if (args.status === 'working') {
        const { task } = await ctx.backend.startTask({
          ...base,
          ...(args.progress !== undefined ? { progress: args.progress } : {}),
        });
        return {
          text: `${task.id} is working; you hold it.`,
          data: { task: taskState(task) },
          next: `Do the work, then update_task taskId=${task.id} status=done with output (or status=failed with error).`,
        };
      }
      if (args.status === 'done') {
        const { task, unblocked } = await ctx.backend.completeTask({
          ...base,
          ...(args.output !== undefined ? { output: args.output } : {}),
        });
        if (task.status === 'review') {
          return {
            text: `${task.id} waits for a person's review (your slot is free).`,
            data: { task: taskState(task), unblocked },
            next: 'You hold no task now. Take more work with claim_next_task.',
          };
        }
        return {
          text: `${task.id} is done.${unblocked.length ? ` Now available to any worker: ${unblocked.join(', ')}.` : ''}`,
          data: { task: taskState(task), unblocked },
          next: 'You hold no task now. Take more work with claim_next_task.',
        };
      }
      const { task } = await ctx.backend.failTask({
        ...base,
        ...(args.error !== undefined ? { error: args.error } : {}),
        ...(args.retry !== undefined ? { retry: args.retry } : {}),
      });
      const text =
        task.status === 'available'
          ? `${task.id} goes back to the queue (attempt ${task.attempts} of ${task.maxAttempts}).`
          : `${task.id} is failed (attempt ${task.attempts} of ${task.maxAttempts}).`;
      return {
        text,
        data: { task: taskState(task) },
        next: 'You hold no task now. Take other work with claim_next_task.',
      };
    },
  }),
  defineTool({
    name: 'release_task',
    title: 'Give a task back',
    description:
      'Give a task you hold back to the queue without counting an attempt, e.g. when it is not for you or you must stop.',
    input: { taskId, reason, workerId },
    output: TaskOut.shape,
    annotations: WRITE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.releaseTask({
        project: ctx.project,
        taskId: args.taskId,
        workerId: args.workerId ?? ctx.workerId(),
        ...(args.reason !== undefined ? { reason: args.reason } : {}),
      });
      return {
        text: `${task.id} is available again, to any worker.`,
        data: { task: taskState(task) },
        next: 'You hold no task now. Take work with claim_next_task.',
      };
    },
  }),
  defineTool({
    name: 'heartbeat',
    title: 'Keep your claims',
    description: 'Renew your leases. Done in the background already; rarely needed.',
    input: {},
    output: { slots: z.array(z.number()), tasks: z.array(z.string()), leaseExpiresAt: z.number().nullable() },
    annotations: WRITE_IDEMPOTENT,
    run: async (_args, ctx) => {
      const { slots, tasks, leaseExpiresAt } = await ctx.backend.heartbeat({
        project: ctx.project,
        workerId: ctx.workerId(),
      });
      return {
        text: tasks.length ? `Leases renewed for ${tasks.join(', ')}.` : 'You hold no task.',
        data: { slots, tasks, leaseExpiresAt },
        next: tasks.length ? 'Keep working; finish with update_task status=done.' : 'Take work with claim_next_task.',
      };
    },
  }),
];
