// REST for people in the loop: questions and answers, review approve/reject, notes, Needs-you, agents.
import { z } from 'zod';
import {
  AddNoteInputSchema,
  AgentListSchema,
  AnswerQuestionInputSchema,
  ApproveTaskInputSchema,
  AskQuestionInputSchema,
  CompleteResultSchema,
  NeedsYouSchema,
  ProjectSchema,
  RejectTaskInputSchema,
  TaskAnswerSchema,
  TaskResultSchema,
  TaskSchema,
} from '@task-coordinator/core';
import { MAX_WAIT_SECONDS } from '../../live/claim-waiting.js';
import { askWaiting } from '../../live/answer-waiting.js';
import { clientGone, defineRoute, Reply, taskPath, type Route } from './define.js';

/** A question over HTTP: core's input plus how long to wait for the answer. */
export const AskRequestSchema = AskQuestionInputSchema.extend({
  wait: z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(
      `Seconds to wait for a person's answer (0-${MAX_WAIT_SECONDS}, at most half the lease TTL); asking the same question again waits again`,
    ),
});

const AskResultSchema = z.object({
  task: TaskSchema,
  answer: TaskAnswerSchema.nullable().describe('The answer, or null when none came within the wait'),
});

const ProjectQuerySchema = z.strictObject({ project: ProjectSchema.optional() });

/** The project of a query, as core's reads take it (no key when absent). */
const projectOf = ({ project }: z.output<typeof ProjectQuerySchema>) => (project === undefined ? {} : { project });

export const HUMAN_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: taskPath('/questions'),
    operationId: 'askQuestion',
    summary:
      'The holder asks a person (→ waiting, still held; LEASE_LOST for anyone else); wait up to the given seconds for the answer',
    tag: 'workers',
    from: 'body',
    request: AskRequestSchema,
    response: AskResultSchema,
    run: ({ store, res }, { wait, ...ask }) => askWaiting(store, ask, (wait ?? 0) * 1000, clientGone(res)),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/answer'),
    operationId: 'answerQuestion',
    summary:
      "Answer a waiting task's question in free text or by option index (→ working); INVALID_TRANSITION otherwise",
    tag: 'tasks',
    from: 'body',
    request: AnswerQuestionInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.answerQuestion(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/approve'),
    operationId: 'approveTask',
    summary: 'Approve a task in review (→ done, dependents unblocked in the same step)',
    tag: 'tasks',
    from: 'body',
    request: ApproveTaskInputSchema,
    response: CompleteResultSchema,
    run: ({ store }, input) => store.approveTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/reject'),
    operationId: 'rejectTask',
    summary: 'Send a task in review back (→ available) with a note for its next holder',
    tag: 'tasks',
    from: 'body',
    request: RejectTaskInputSchema,
    response: TaskResultSchema,
    run: ({ store }, input) => store.rejectTask(input),
  }),
  defineRoute({
    method: 'post',
    path: taskPath('/notes'),
    operationId: 'addNote',
    summary: 'Append a note to a task (agents and people; append-only, the newest 20 kept on the task)',
    tag: 'tasks',
    from: 'body',
    request: AddNoteInputSchema,
    response: TaskResultSchema,
    status: 201,
    run: async ({ store }, input) => new Reply(201, await store.addNote(input)),
  }),
  defineRoute({
    method: 'get',
    path: '/needs-you',
    operationId: 'needsYou',
    summary: 'What waits on a person: open questions (waiting) and gated tasks in review, with their count',
    tag: 'tasks',
    from: 'query',
    request: ProjectQuerySchema,
    response: NeedsYouSchema,
    run: ({ store }, input) => store.needsYou(projectOf(input)),
  }),
  defineRoute({
    method: 'get',
    path: '/agents',
    operationId: 'listAgents',
    summary:
      'Every worker as active, idle, stale or gone (from heartbeats and leases) with its task and progress; what needs attention first',
    tag: 'workers',
    from: 'query',
    request: ProjectQuerySchema,
    response: AgentListSchema,
    run: async ({ store }, input) => ({ agents: await store.agents(projectOf(input)) }),
  }),
];
