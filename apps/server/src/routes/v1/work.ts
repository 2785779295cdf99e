// A worker's side of a task: claim (named or the next best, waiting for one), start, complete, fail, release.
import { z } from 'zod';
import {
  ClaimNextInputSchema,
  ClaimResultSchema,
  ClaimTaskInputSchema,
  CompleteResultSchema,
  CompleteTaskInputSchema,
  DomainError,
  FailTaskInputSchema,
  parseInput,
  ReleaseTaskInputSchema,
  StartTaskInputSchema,
  TaskResultSchema,
} from '@task-coordinator/core';
import { claimNextWaiting, MAX_WAIT_SECONDS } from '../../live/claim-waiting.js';
import { clientGone, defineRoute, taskPath, type Route } from './define.js';

/** claim-next over HTTP: core's input plus how long to wait for work. */
export const ClaimNextRequestSchema = ClaimNextInputSchema.extend({
  wait: z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(`Seconds to wait for work when none is available (0-${MAX_WAIT_SECONDS})`),
});

const ClaimNextResultSchema = z.union([
  ClaimResultSchema,
  z.object({ task: z.null(), slot: z.null(), resumed: z.literal(false) }),
]);

export const WORK_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: '/claim-next',
    operationId: 'claimNextTask',
    summary: `Claim the best available task (taking a free slot if you hold none); wait up to ${MAX_WAIT_SECONDS} s for one`,
    tag: 'workers',
    from: 'body',
    request: ClaimNextRequestSchema,
    response: ClaimNextResultSchema,
    run: async ({ store, wakeups, res }, { wait, ...claim }) => {
      const result = wait
        ? await claimNextWaiting(store, wakeups, claim, wait * 1000, clientGone(res))
        : await store.claimNextTask(claim);
      return result ?? { task: null, slot: null, resumed: false as const };
    },
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/claim'),
    operationId: 'claimTask',
    summary: 'Claim this task in a slot you hold',
    tag: 'workers',
    from: 'body',
    request: ClaimTaskInputSchema,
    response: ClaimResultSchema,
    parse: (input) => {
      if (input.slot === undefined)
        throw new DomainError(
          'VALIDATION_FAILED',
          'slot is required: take one with POST /api/v1/slots first, or use POST /api/v1/claim-next, which takes a slot for you and picks the task',
          { issues: [{ path: 'slot', message: 'required' }] },
        );
      return parseInput(ClaimTaskInputSchema, input, 'request');
    },
    run: ({ store }, input) => store.claimTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/start'),
    operationId: 'startTask',
    summary: 'Say you started working on a task you hold',
    tag: 'workers',
    from: 'body',
    request: StartTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.startTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/complete'),
    operationId: 'completeTask',
    summary: 'Finish a task you hold, with its output; dependents waiting only on it become available',
    tag: 'workers',
    from: 'body',
    request: CompleteTaskInputSchema,
    response: CompleteResultSchema,
    run: ({ store }, input) => store.completeTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/fail'),
    operationId: 'failTask',
    summary: 'Give up on a task you hold; retry:true puts it back while attempts remain',
    tag: 'workers',
    from: 'body',
    request: FailTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.failTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/release'),
    operationId: 'releaseTask',
    summary: 'Give a task you hold back to the queue without counting an attempt',
    tag: 'workers',
    from: 'body',
    request: ReleaseTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.releaseTask(input),
  }),
];
