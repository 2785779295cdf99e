// Commands for people in the loop: answer an agent's question, approve or send back a task in review.
import type { Command } from 'commander';
import type { TaskResult } from '@task-coordinator/core';
import { encodeId } from '../api.js';
import type { Ctx } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { paintStatus } from '../render/style.js';
import type { Action } from './action.js';

async function decide(ctx: Ctx, id: string, path: string, body: Record<string, unknown>): Promise<void> {
  const result = await ctx.api.post<TaskResult>(`/tasks/${encodeId(id)}/${path}`, {
    project: ctx.project,
    by: ctx.worker,
    ...body,
  });
  if (ctx.json) return ctx.printJson(result);
  ctx.print(`${ctx.c.bold(result.task.id)} ${paintStatus(ctx, result.task.status)}`);
}

export function registerPeopleCommands(program: Command, action: Action): void {
  program
    .command('answer')
    .description("Answer the question a waiting task's agent asked (free text, or --option N of its options)")
    .argument('<id>', 'task id')
    .argument('[text...]', 'the answer')
    .option('--option <n>', "pick the question's option number n (0-based, in the order the question gave them)")
    .action(
      action(async (ctx, id: string, words: string[], opts: { option?: string }) => {
        const text = words.join(' ').trim();
        if (opts.option !== undefined) {
          const option = Number(opts.option);
          if (!Number.isInteger(option) || option < 0)
            throw new UsageError(`--option takes an option number, got "${opts.option}"`);
          if (text) throw new UsageError('give the answer as text or as --option, not both');
          return decide(ctx, id, 'answer', { option });
        }
        if (!text) throw new UsageError('say the answer (tcx answer <id> <text>) or pick one with --option <n>');
        return decide(ctx, id, 'answer', { answer: text });
      }),
    );
  program
    .command('approve')
    .description('Approve a task in review: it becomes done and its dependents available')
    .argument('<id>', 'task id')
    .action(action(async (ctx, id: string) => decide(ctx, id, 'approve', {})));
  program
    .command('reject')
    .description('Send a task in review back to the queue with a note for its next holder')
    .argument('<id>', 'task id')
    .requiredOption('-n, --note <text>', 'what to change')
    .action(action(async (ctx, id: string, opts: { note: string }) => decide(ctx, id, 'reject', { note: opts.note })));
}
