// Questions: the holder asks a person and waits (→ waiting, still held); a person answers (→ working).
//
// A waiting task keeps its holder, slot and lease: the holder's heartbeats (or its waiting tool
// call) keep the lease alive, and if the holder goes silent the sweeper expires the task as any
// held task, the open question with it. The answer stays on the task (`answer`) so the holder
// reads it from its pending call, from get_task later, or the next holder from its claim.
import { DomainError } from '../errors.js';
import type { Task, TaskAnswer, TaskQuestion } from '../model.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import type { AnswerQuestionInputSchema, AskQuestionInputSchema } from '../schemas.js';
import { allows, assertHolder, clip, extendLease, invalidTransition, loadTask } from './transitions.js';
import type { TaskResult } from './holder.js';

export type ParsedAskQuestion = z.output<typeof AskQuestionInputSchema>;
export type ParsedAnswerQuestion = z.output<typeof AnswerQuestionInputSchema>;

const sameOptions = (a: string[] | null, b: string[] | null) => (a ?? []).join('\n') === (b ?? []).join('\n');

/** claimed|working|waiting → waiting, holder only (LEASE_LOST otherwise). The lease is renewed. */
export function* askQuestion(ctx: RuleContext, input: ParsedAskQuestion): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  assertHolder(task, input.workerId, 'ask');
  const options = input.options ?? null;
  const lease = extendLease(task.leaseExpiresAt, ctx);
  if (task.slot !== null) {
    const slot = yield* ask({ kind: 'slot', project, slot: task.slot });
    if (slot) changes.putSlot({ ...slot, leaseExpiresAt: Math.max(slot.leaseExpiresAt, lease), lastSeenAt: ctx.now });
  }
  if (
    task.status === 'waiting' &&
    task.question?.text === input.question &&
    sameOptions(task.question.options, options)
  ) {
    // The same question again: a retried call, or a new wait for the answer. Renew, no event.
    return { result: { task: changes.updateTask(task, { leaseExpiresAt: lease }) }, change: changes.build() };
  }
  const question: TaskQuestion = { text: input.question, options, askedBy: input.workerId, askedAt: ctx.now };
  const waiting = changes.updateTask(task, {
    status: 'waiting',
    question,
    answer: null,
    leaseExpiresAt: lease,
    startedAt: task.startedAt ?? ctx.now,
  });
  changes.event(
    'task.question_asked',
    project,
    { taskId: task.id, workerId: input.workerId, slot: task.slot },
    { from: task.status, to: 'waiting', question: question.text, options },
  );
  return { result: { task: waiting }, change: changes.build() };
}

function answerText(task: Task & { question: TaskQuestion }, input: ParsedAnswerQuestion): [string, number | null] {
  if (input.option === undefined) return [input.answer as string, null];
  const options = task.question.options ?? [];
  const picked = options[input.option];
  if (picked === undefined) {
    throw new DomainError(
      'VALIDATION_FAILED',
      options.length
        ? `option ${input.option} does not exist: the question offers ${options.length} (0-${options.length - 1})`
        : 'the question offers no options: answer in free text',
      { taskId: task.id, issues: [{ path: 'option', message: 'no such option' }] },
    );
  }
  return [picked, input.option];
}

/** waiting → working with the answer on the task. Anyone may answer (a person, usually). */
export function* answerQuestion(ctx: RuleContext, input: ParsedAnswerQuestion): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  if (!allows('answer', task.status) || task.question === null) throw invalidTransition(task, 'answer');
  const [text, option] = answerText(task as Task & { question: TaskQuestion }, input);
  const answer: TaskAnswer = {
    question: task.question.text,
    text,
    option,
    answeredBy: input.by ?? null,
    answeredAt: ctx.now,
  };
  // The lease is extended so the holder has a full TTL to pick the answer up.
  const working = changes.updateTask(task, {
    status: 'working',
    question: null,
    answer,
    leaseExpiresAt: extendLease(task.leaseExpiresAt, ctx),
  });
  changes.event(
    'task.answered',
    project,
    { taskId: task.id, workerId: task.worker, slot: task.slot },
    {
      from: 'waiting',
      to: 'working',
      question: clip(answer.question),
      answer: clip(text),
      option,
      by: answer.answeredBy,
    },
  );
  return { result: { task: working }, change: changes.build() };
}
