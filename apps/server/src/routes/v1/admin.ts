// What a human does to the board: bring a task back, withdraw one, clear the project.
import {
  CancelTaskInputSchema,
  CleanAllInputSchema,
  CleanAllResultSchema,
  ResetTaskInputSchema,
  TaskResultSchema,
} from '@task-coordinator/core';
import { defineRoute, taskPath, type Route } from './define.js';

export const ADMIN_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: taskPath('/reset'),
    operationId: 'resetTask',
    summary: 'Bring a failed or cancelled task back (attempts to 0)',
    tag: 'admin',
    from: 'body',
    request: ResetTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.resetTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/cancel'),
    operationId: 'cancelTask',
    summary: 'Withdraw a task that is not finished; its holder loses it',
    tag: 'admin',
    from: 'body',
    request: CancelTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.cancelTask(input),
  }),
  defineRoute({
    method: 'post',
    path: '/clean-all',
    operationId: 'cleanAll',
    summary: 'Remove every task of the project and free every slot (events keep the record)',
    tag: 'admin',
    from: 'body',
    request: CleanAllInputSchema,
    response: CleanAllResultSchema,
    run: ({ store }, input) => store.cleanAll(input),
  }),
];
