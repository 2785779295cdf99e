// The tools for people in the loop (full profile): ask_human waits for a person's answer, add_note
// leaves handoff text. The core profile reaches the same rules through update_task's fields
// (status=waiting + question, progress, note), and reads answers and notes with get_task.
import { z } from 'zod';
import { LIMITS, handoffOf, type Handoff, type Task } from '@task-coordinator/core';
import { taskState, TaskStateSchema } from '../format.js';
import { defineTool, MAX_WAIT, taskId, WRITE, type ToolDef } from './define.js';
import { progress } from './progress.js';

/** Handoff text for a claim: where the last holder stopped. Empty when there is nothing to hand over. */
export function handoffText(handoff: Handoff): string {
  const parts: string[] = [];
  if (handoff.progress) parts.push(`Last progress: ${handoff.progress}`);
  if (handoff.answer) parts.push(`Last answer from a person to "${handoff.answer.question}": ${handoff.answer.text}`);
  for (const note of handoff.notes) {
    parts.push(
      `${note.kind === 'rejection' ? 'Sent back by review' : 'Note'}${note.author ? ` (${note.author})` : ''}: ${note.text}`,
    );
  }
  if (handoff.omittedNotes) parts.push(`(${handoff.omittedNotes} older notes: get_task)`);
  return parts.length ? `\n\nWhere the last holder stopped:\n${parts.join('\n')}` : '';
}

/** get_task's lines about questions, answers, progress and notes. */
export function humanLines(task: Task): string[] {
  const out: string[] = [];
  if (task.question) {
    out.push(
      '',
      `Open question: ${task.question.text}${task.question.options ? ` [${task.question.options.join(' | ')}]` : ''} (no answer yet)`,
    );
  }
  if (task.answer) out.push('', `Answer to "${task.answer.question}": ${task.answer.text}`);
  if (task.progress) out.push('', `Progress: ${task.progress}`);
  const notes = handoffOf(task).notes;
  if (notes.length) out.push('', 'Notes:', ...notes.map((n) => `- ${n.author ?? 'someone'}: ${n.text}`));
  return out;
}

const AnswerOut = z.object({ text: z.string(), option: z.number().nullable(), answeredBy: z.string().nullable() });

export const HUMAN_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'ask_human',
    title: 'Ask a person and wait',
    description:
      'Ask a person to decide something you must not guess, on a task you hold; it stays yours while waiting. ' +
      'No answer yet: ask again (same question) to keep waiting, or read it later with get_task.',
    input: {
      taskId,
      question: z.string().min(1).max(LIMITS.noteMaxBytes).describe('With the context needed to answer'),
      options: z
        .array(z.string().max(LIMITS.optionMaxLength))
        .max(LIMITS.optionsMax)
        .optional()
        .describe('Answers to offer'),
      wait_seconds: z.number().min(0).max(MAX_WAIT).optional().describe(`Default ${MAX_WAIT}`),
    },
    output: { task: TaskStateSchema, answer: AnswerOut.nullable() },
    annotations: WRITE,
    run: async (args, ctx, extra) => {
      const waitMs = Math.round((args.wait_seconds ?? MAX_WAIT) * 1000);
      const stop = waitMs > 0 ? progress(extra, waitMs, ctx.progressIntervalMs ?? 5000, 'an answer') : () => undefined;
      try {
        const { task, answer } = await ctx.backend.ask(
          {
            project: ctx.project,
            taskId: args.taskId,
            workerId: ctx.workerId(),
            question: args.question,
            ...(args.options ? { options: args.options } : {}),
          },
          waitMs,
          extra.signal,
        );
        if (answer) {
          return {
            text: `Answer from ${answer.answeredBy ?? 'a person'}: ${answer.text}\n${task.id} is ${task.status} again.`,
            data: {
              task: taskState(task),
              answer: { text: answer.text, option: answer.option, answeredBy: answer.answeredBy },
            },
            next: `Go on with ${task.id} as answered; finish with update_task status=done + output.`,
          };
        }
        if (task.status === 'waiting')
          return {
            text: `No answer yet. ${task.id} is still waiting and yours.`,
            data: { task: taskState(task), answer: null },
            next: 'Call ask_human again with the same question to keep waiting, or read the answer later with get_task.',
          };
        return {
          text: `No answer: ${task.id} is ${task.status} now.`,
          data: { task: taskState(task), answer: null },
          next: 'get_task shows what became of it; take other work with claim_next_task.',
        };
      } finally {
        stop();
      }
    },
  }),
  defineTool({
    name: 'add_note',
    title: 'Leave a note on a task',
    description: 'Leave a note (found, tried, decided) for whoever holds the task next.',
    input: {
      taskId,
      text: z.string().min(1).max(LIMITS.noteMaxBytes),
    },
    output: { task: TaskStateSchema, notes: z.number() },
    annotations: WRITE,
    run: async (args, ctx) => {
      const { task } = await ctx.backend.addNote({
        project: ctx.project,
        taskId: args.taskId,
        text: args.text,
        by: ctx.workerId(),
      });
      return {
        text: `Note added to ${task.id} (${task.notes.length} kept).`,
        data: { task: taskState(task), notes: task.notes.length },
        next: 'Carry on with your task.',
      };
    },
  }),
];
