// What a human asks an agent to do to the board: bring a task back, withdraw one, clear everything.
import { taskState } from '../format.js';
import { defineTool, DESTRUCTIVE, reason, taskId, TaskOut, WRITE, type ToolDef } from './define.js';
import { z } from 'zod';

export const ADMIN_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'reset_failed_task',
    title: 'Retry a failed task',
    description: 'Bring a failed or cancelled task back to the queue with its attempts at zero.',
    input: { taskId },
    output: TaskOut.shape,
    annotations: WRITE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.resetTask({ project: ctx.project, taskId: args.taskId });
      return {
        text: `${task.id} is ${task.status} again, attempts back to 0 (its output is kept).`,
        data: { task: taskState(task) },
        next:
          task.status === 'available'
            ? 'Any worker can take it with claim_next_task.'
            : 'It becomes available when its dependencies are done.',
      };
    },
  }),
  defineTool({
    name: 'cancel_task',
    title: 'Withdraw a task',
    description: 'Withdraw a task that is not finished; whoever holds it loses it. Tasks depending on it stay blocked.',
    input: { taskId, reason },
    output: TaskOut.shape,
    annotations: DESTRUCTIVE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.cancelTask({
        project: ctx.project,
        taskId: args.taskId,
        ...(args.reason ? { reason: args.reason } : {}),
      });
      return {
        text: `${task.id} is cancelled; whoever held it lost it.`,
        data: { task: taskState(task) },
        next: 'Tasks depending on it stay blocked; reset_failed_task brings it back.',
      };
    },
  }),
  defineTool({
    name: 'clean_all_tasks',
    title: 'Delete the whole board',
    description: 'Delete EVERY task and free every slot. Only when a human asked for it; it cannot be undone.',
    input: {},
    output: { removed: z.number(), slotsFreed: z.number() },
    annotations: { ...DESTRUCTIVE, idempotentHint: true },
    run: async (_args, ctx) => {
      const result = await ctx.backend.cleanAll({ project: ctx.project });
      return {
        text: `Deleted ${result.removed} task(s); freed ${result.slotsFreed} slot(s).`,
        data: { ...result },
        next: 'The board is empty: add work with add_tasks.',
      };
    },
  }),
];
