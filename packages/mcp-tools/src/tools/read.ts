// Reading the board: one task, its history, the available tasks, all tasks.
import { z } from 'zod';
import {
  BlockedByOutputSchema,
  isActive,
  ReservationOutputSchema,
  TASK_STATUSES,
  type Task,
} from '@task-coordinator/core';
import { briefTask, line, TaskBriefSchema } from '../format.js';
import { defineTool, limit, LIST_DEFAULT, listText, READ, taskId, TasksOut, type ToolDef } from './define.js';
import { humanLines } from './humans.js';

export const READ_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'get_task',
    title: 'Read one task',
    description: 'One task in full, with its dependencies and the tasks waiting on it.',
    input: { taskId },
    output: {
      task: TaskBriefSchema,
      dependents: z.array(z.string()),
      files: z.array(z.string()).describe('Files the task declares it will touch'),
      reservations: z.array(ReservationOutputSchema),
      blockedBy: BlockedByOutputSchema.nullable().describe('Why claim-next skips it now: a file another worker holds'),
    },
    annotations: READ,
    run: async (args, ctx) => {
      const task = await ctx.backend.getTask({ project: ctx.project, taskId: args.taskId });
      const parts = [line(task), '', task.description];
      if (task.dependencies.length) parts.push('', `Depends on: ${task.dependencies.join(', ')}`);
      if (task.dependents.length) parts.push(`Needed by: ${task.dependents.join(', ')}`);
      if (task.output) parts.push('', `Output: ${task.output}`);
      if (task.error) parts.push('', `Error: ${task.error}`);
      parts.push(...humanLines(task));
      if (task.files.length) parts.push('', `Files: ${task.files.join(', ')}`);
      if (task.reservations.length)
        parts.push(`Reserved: ${task.reservations.map((r) => `${r.pattern} (${r.mode})`).join(', ')}`);
      if (task.blockedBy)
        parts.push(
          '',
          `Waiting for ${task.blockedBy.heldPattern} held by ${task.blockedBy.worker} on task ${task.blockedBy.taskId} (claim-next skips it until then)`,
        );
      return {
        text: parts.join('\n'),
        data: {
          task: briefTask(task),
          dependents: task.dependents,
          files: task.files,
          reservations: task.reservations,
          blockedBy: task.blockedBy,
        },
        next: taskNext(task, ctx.workerId()),
      };
    },
  }),
  defineTool({
    name: 'get_task_history',
    title: "A task's history",
    description: 'What happened to a task, oldest first.',
    input: { taskId, limit },
    output: {
      events: z.array(
        z.object({
          seq: z.number(),
          at: z.number(),
          type: z.string(),
          workerId: z.string().nullable(),
          data: z.record(z.string(), z.unknown()),
        }),
      ),
    },
    annotations: READ,
    run: async (args, ctx) => {
      const events = await ctx.backend.taskHistory({
        project: ctx.project,
        taskId: args.taskId,
        ...(args.limit ? { limit: args.limit } : {}),
      });
      const text = events.length
        ? events
            .map(
              (e) =>
                `${new Date(e.at).toISOString()} ${e.type}${e.workerId ? ` by ${e.workerId}` : ''}${typeof e.data.reason === 'string' ? `: ${e.data.reason}` : ''}`,
            )
            .join('\n')
        : 'No history.';
      return {
        text,
        data: { events: events.map(({ seq, at, type, workerId: w, data }) => ({ seq, at, type, workerId: w, data })) },
        next: 'get_task shows where the task stands now.',
      };
    },
  }),
  defineTool({
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
        limit: args.limit ?? LIST_DEFAULT,
        ...(args.cursor ? { cursor: args.cursor } : {}),
      });
      return {
        text: listText(page.tasks, page.nextCursor !== null),
        data: { tasks: page.tasks.map(briefTask), nextCursor: page.nextCursor },
        next: page.tasks.length
          ? 'claim_next_task takes the best of these for you (claim_task takes a named one).'
          : 'Nothing is ready: claim_next_task with wait_seconds waits for work.',
      };
    },
  }),
  defineTool({
    name: 'get_all_tasks',
    title: 'The board',
    description:
      'All tasks in creation order, optionally by status. blocked = waiting for dependencies; claimed/working = someone holds it.',
    input: { status: z.array(z.enum(TASK_STATUSES)).optional(), limit, cursor: z.string().optional() },
    output: TasksOut.shape,
    annotations: READ,
    run: async (args, ctx) => {
      const page = await ctx.backend.listTasks({
        project: ctx.project,
        limit: args.limit ?? LIST_DEFAULT,
        ...(args.status ? { status: args.status } : {}),
        ...(args.cursor ? { cursor: args.cursor } : {}),
      });
      return {
        text: listText(page.tasks, page.nextCursor !== null),
        data: { tasks: page.tasks.map(briefTask), nextCursor: page.nextCursor },
        next: 'Take work with claim_next_task; get_task shows one task in full.',
      };
    },
  }),
];

/** Where a task stands for the caller, and what it can do about it. */
function taskNext(task: Task, me: string): string {
  if (isActive(task.status) && task.worker === me) {
    if (task.status === 'waiting')
      return 'You hold it and wait for a person: call ask_human again with the same question to keep waiting for the answer.';
    return `You hold it: ${task.status === 'claimed' ? 'update_task status=working, do the work, then ' : 'finish with '}update_task status=done with output (or failed with error).`;
  }
  switch (task.status) {
    case 'available':
      return 'Anyone may take it: claim_next_task takes the best available task.';
    case 'blocked':
      return `It waits for ${task.dependencies.join(', ')} to be done.`;
    case 'claimed':
    case 'working':
    case 'waiting':
      return `${task.worker ?? 'Another worker'} holds it; take other work with claim_next_task.`;
    case 'review':
      return 'It waits for a person to approve or reject it; take other work with claim_next_task.';
    case 'failed':
      return 'It failed; reset_failed_task brings it back to the queue.';
    case 'cancelled':
      return 'It was withdrawn; reset_failed_task brings it back.';
    default:
      return 'It is finished. Take other work with claim_next_task.';
  }
}
