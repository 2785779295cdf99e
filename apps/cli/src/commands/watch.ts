// `tcx watch`: the live feed by long-poll on /events, resumable from any seq (--after), printed as it comes.
import type { Command } from 'commander';
import type { BoardStats, TaskEvent } from '@task-coordinator/core';
import { UsageError } from '../exit-codes.js';
import { eventLine } from '../render/task.js';
import type { Action } from './action.js';

const POLL_SECONDS = 25;

export function registerWatchCommand(program: Command, action: Action): void {
  program
    .command('watch')
    .description('Follow the live feed; --after <seq> resumes where an earlier watch stopped (JSON Lines with --json)')
    .option('-a, --after <seq>', 'start after this event seq (default: now; 0 replays the kept history)')
    .option('--task <id>', "only this task's events")
    .option('--type <types>', 'only these event types (comma-separated)')
    .option('-n, --count <n>', 'stop after this many events')
    .action(
      action(async (ctx, opts: { after?: string; task?: string; type?: string; count?: string }) => {
        const parseCount = (flag: string, value: string | undefined) => {
          if (value === undefined) return undefined;
          if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
          return Number(value);
        };
        const count = parseCount('--count', opts.count) ?? Infinity;
        let after = parseCount('--after', opts.after);
        if (after === undefined) after = (await ctx.api.get<BoardStats>('/stats', { project: ctx.project })).lastSeq;
        const signal = ctx.io.interrupt;
        let seen = 0;
        if (!ctx.json) ctx.io.stderr(ctx.c.dim(`watching ${ctx.project} after seq ${after} (Ctrl-C stops)\n`));
        while (seen < count && !signal?.aborted) {
          let page: { events: TaskEvent[]; lastSeq: number };
          try {
            page = await ctx.api.get<{ events: TaskEvent[]; lastSeq: number }>(
              '/events',
              {
                project: ctx.project,
                afterSeq: after,
                taskId: opts.task,
                type: opts.type?.split(','),
                limit: Math.min(1000, count - seen),
                wait: POLL_SECONDS,
              },
              { waitMs: POLL_SECONDS * 1000, ...(signal ? { signal } : {}) },
            );
          } catch (error) {
            if (signal?.aborted) break;
            throw error;
          }
          for (const event of page.events) {
            if (ctx.json) ctx.io.stdout(`${JSON.stringify(event)}\n`);
            else ctx.print(eventLine(ctx, event));
            seen++;
          }
          after = page.lastSeq;
        }
        if (!ctx.json) ctx.io.stderr(ctx.c.dim(`resume with: tcx watch --after ${after}\n`));
      }),
    );
}
