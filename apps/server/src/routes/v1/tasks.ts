// The board's tasks: list, add, read, edit, history.
import { z } from 'zod';
import {
  AddTasksInputSchema,
  AddTasksResultSchema,
  CreateTaskInputSchema,
  EditTaskInputSchema,
  GetTaskInputSchema,
  HistoryQuerySchema,
  ListTasksQuerySchema,
  parseInput,
  ProjectSchema,
  TaskDetailSchema,
  TaskEventSchema,
  TaskPageSchema,
  TaskResultSchema,
  TaskSchema,
} from '@task-coordinator/core';
import { defineRoute, Reply, taskPath, type Route } from './define.js';

const AddOneRequestSchema = CreateTaskInputSchema.extend({ project: ProjectSchema.optional() });
const AddRequestSchema = z.union([AddOneRequestSchema, AddTasksInputSchema]);
const AddOneResultSchema = z.object({ task: TaskSchema, created: z.boolean() });

export const TASK_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'get',
    path: '/tasks',
    operationId: 'listTasks',
    summary: 'List tasks in creation order, filtered, a page at a time (pass nextCursor as cursor)',
    tag: 'tasks',
    from: 'query',
    lists: ['status'],
    request: ListTasksQuerySchema,
    response: TaskPageSchema,
    run: ({ store }, input) => store.listTasks(input),
  }),
  defineRoute({
    method: 'post',
    path: '/tasks',
    operationId: 'addTasks',
    summary:
      'Add one task, or a batch {tasks:[…]} atomically (all or none); an identical re-add is an idempotent retry',
    tag: 'tasks',
    from: 'body',
    request: AddRequestSchema,
    response: z.union([AddOneResultSchema, AddTasksResultSchema]),
    status: 201,
    // The union's own errors would say only "invalid input": the body's shape picks the member.
    parse: (input) =>
      'tasks' in input
        ? parseInput(AddTasksInputSchema, input, 'request')
        : parseInput(AddOneRequestSchema, input, 'request'),
    run: async ({ store }, input) => {
      if ('tasks' in input) {
        const result = await store.addTasks(input);
        return new Reply(result.created.length ? 201 : 200, result);
      }
      const { project, ...one } = input;
      const result = await store.addTasks({ ...(project === undefined ? {} : { project }), tasks: [one] });
      return new Reply(result.created.length ? 201 : 200, {
        task: result.tasks[0]!,
        created: result.created.length === 1,
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: taskPath(''),
    operationId: 'getTask',
    summary: 'One task with the ids of its dependents',
    tag: 'tasks',
    from: 'query',
    request: GetTaskInputSchema,
    response: z.object({ task: TaskDetailSchema }),
    run: async ({ store }, input) => ({ task: await store.getTask(input) }),
  }),
  defineRoute({
    method: 'patch',
    path: taskPath(''),
    operationId: 'editTask',
    summary: "Change a task's description, priority, labels, deadline or maxAttempts",
    tag: 'tasks',
    from: 'body',
    request: EditTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.editTask(input),
  }),
  defineRoute({
    method: 'get',
    path: taskPath('/history'),
    operationId: 'taskHistory',
    summary: "A task's events, oldest first",
    tag: 'tasks',
    from: 'query',
    request: HistoryQuerySchema,
    response: z.object({ events: z.array(TaskEventSchema) }),
    run: async ({ store }, input) => ({ events: await store.taskHistory(input) }),
  }),
];
