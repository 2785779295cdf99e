// Many failed or cancelled tasks back to the queue in one request and one atomic step (the
// dashboard's "Reset all failed"); core's batch-reset rule decides, per task.
import { ResetTasksInputSchema, ResetTasksResultSchema } from '@task-coordinator/core';
import { defineRoute, type Route } from './define.js';

export const RESET_BATCH_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: '/tasks/reset',
    operationId: 'resetTasks',
    summary:
      'Bring many failed or cancelled tasks back in one step (attempts to 0); ids not resettable any more are skipped and named with their status',
    tag: 'admin',
    from: 'body',
    request: ResetTasksInputSchema,
    response: ResetTasksResultSchema,
    run: ({ store }, input) => store.resetTasks(input),
  }),
];
