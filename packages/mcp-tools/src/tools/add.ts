// Adding work: one task, or a plan of many that may depend on each other.
import { z } from 'zod';
import { CreateTaskInputSchema, LIMITS } from '@task-coordinator/core';
import { line, taskState } from '../format.js';
import { defineTool, TaskOut, WRITE_IDEMPOTENT, type ToolDef } from './define.js';

/** The fields an agent may give when adding a task (core's schema, minus nothing). */
const addTaskShape = CreateTaskInputSchema.shape;

export const ADD_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'add_task',
    title: 'Add a task',
    description:
      'Add one task. dependencies: ids that must be done first (it stays blocked until then). Re-adding the same content is harmless.',
    input: addTaskShape,
    output: TaskOut.shape,
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { tasks, created } = await ctx.backend.addTasks({ project: ctx.project, tasks: [args] });
      const task = tasks[0]!;
      return {
        text: `${created.length ? 'Added' : 'Already there:'} ${line(task)}`,
        data: { task: taskState(task) },
        next:
          task.status === 'blocked'
            ? `It becomes available when ${task.dependencies.join(', ')} are done; agents take it with claim_next_task.`
            : 'It is available: agents (you too) take it with claim_next_task.',
      };
    },
  }),
  defineTool({
    name: 'add_tasks',
    title: 'Add a plan',
    description:
      'Add many tasks at once (fields as in add_task), all or none. Members may depend on each other by id; unknown ids and cycles are refused.',
    input: { tasks: z.array(z.object(addTaskShape)).min(1).max(LIMITS.batchMax) },
    output: { created: z.array(z.string()), existing: z.array(z.string()) },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { created, existing, tasks } = await ctx.backend.addTasks({ project: ctx.project, tasks: args.tasks });
      const blocked = tasks.filter((t) => t.status === 'blocked').length;
      return {
        text: `Added ${created.length} task(s)${existing.length ? `, ${existing.length} already there` : ''}; ${tasks.length - blocked} available, ${blocked} blocked by dependencies.`,
        data: { created, existing },
        next: 'Agents (you too) take them with claim_next_task, best first; blocked ones follow as their dependencies are done.',
      };
    },
  }),
];
