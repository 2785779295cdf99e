// Worker commands for scripts: claim, start, done, fail, release. Each prints what happened, or --json; exit codes say the rest.
import type { Command } from 'commander';
import type { ClaimResult, CompleteResult, SlotResult, TaskResult } from '@task-coordinator/core';
import { encodeId } from '../api.js';
import type { Ctx } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-codes.js';
import { paintStatus } from '../render/style.js';
import type { Action } from './action.js';

/** The longest --wait a claim may ask for (the server's long-poll limit). */
const MAX_WAIT = 60;

/** Text from a flag, or all of stdin when the flag is `-`. */
async function textArg(ctx: Ctx, value: string | undefined, flag: string): Promise<string | undefined> {
  if (value !== '-') return value;
  const stdin = await ctx.io.readStdin();
  if (stdin === null) throw new UsageError(`${flag} - reads stdin, but stdin is a terminal`);
  return stdin.replace(/\n$/, '');
}

export function registerWorkCommands(program: Command, action: Action): void {
  program
    .command('claim')
    .description(`Claim the best available task (or the one named); exit ${EXIT.NO_WORK} when there is none`)
    .argument('[id]', 'claim this task instead of the next one')
    .option('-l, --labels <labels>', 'only tasks with one of these labels (comma-separated)')
    .option('--wait <seconds>', `wait up to this long for work (0-${MAX_WAIT})`)
    .option('-q, --quiet', 'print only the task id')
    .action(
      action(async (ctx, id: string | undefined, opts: { labels?: string; wait?: string; quiet?: boolean }) => {
        const wait = opts.wait === undefined ? undefined : Number(opts.wait);
        if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0 && wait <= MAX_WAIT))
          throw new UsageError(`--wait must be a number of seconds from 0 to ${MAX_WAIT}, got "${opts.wait}"`);
        let result: ClaimResult | { task: null };
        if (id !== undefined) {
          if (opts.labels !== undefined || wait !== undefined)
            throw new UsageError('--labels and --wait apply to the next task; not with an id');
          const { slot } = await ctx.api.post<SlotResult>('/slots', { project: ctx.project, workerId: ctx.worker });
          result = await ctx.api.post<ClaimResult>(`/tasks/${encodeId(id)}/claim`, {
            project: ctx.project,
            workerId: ctx.worker,
            slot: slot.slot,
          });
        } else {
          result = await ctx.api.post<ClaimResult | { task: null }>(
            '/claim-next',
            {
              project: ctx.project,
              workerId: ctx.worker,
              ...(opts.labels ? { labels: opts.labels.split(',').map((s) => s.trim()) } : {}),
              ...(wait ? { wait } : {}),
            },
            { waitMs: (wait ?? 0) * 1000 },
          );
        }
        if (result.task === null) {
          if (ctx.json) ctx.printJson(result);
          throw new ExitError('NO_WORK', 'no task is available to claim', EXIT.NO_WORK);
        }
        const claim = result as ClaimResult;
        if (ctx.json) return ctx.printJson(claim);
        if (opts.quiet) return ctx.print(claim.task.id);
        ctx.print(
          `${claim.resumed ? 'still holding' : 'claimed'} ${ctx.c.bold(claim.task.id)} in slot ${claim.slot} as ${ctx.worker}\n${claim.task.description}`,
        );
      }),
    );

  const transition = (
    name: string,
    path: string,
    describe: string,
    configure: (command: Command) => Command,
    body: (ctx: Ctx, opts: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ) =>
    configure(program.command(name).description(describe).argument('<id>', 'task id')).action(
      action(async (ctx, id: string, opts: Record<string, unknown>) => {
        const result = await ctx.api.post<TaskResult & Partial<CompleteResult>>(`/tasks/${encodeId(id)}/${path}`, {
          project: ctx.project,
          workerId: ctx.worker,
          ...(await body(ctx, opts)),
        });
        if (ctx.json) return ctx.printJson(result);
        const unblocked = result.unblocked?.length ? ` (now available: ${result.unblocked.join(', ')})` : '';
        ctx.print(`${ctx.c.bold(result.task.id)} ${paintStatus(ctx, result.task.status)}${unblocked}`);
      }),
    );

  transition(
    'start',
    'start',
    'Say you started a task you hold',
    (c) => c,
    async () => ({}),
  );
  transition(
    'done',
    'complete',
    'Finish a task you hold; dependents waiting only on it become available',
    (c) => c.option('-o, --output <text>', 'what the work produced (- reads stdin)'),
    async (ctx, opts) => {
      const output = await textArg(ctx, opts.output as string | undefined, '--output');
      return output === undefined ? {} : { output };
    },
  );
  transition(
    'fail',
    'fail',
    'Give up on a task you hold (--retry puts it back while attempts remain)',
    (c) =>
      c.option('-e, --error <text>', 'why it failed (- reads stdin)').option('-r, --retry', 'allow another attempt'),
    async (ctx, opts) => {
      const error = await textArg(ctx, opts.error as string | undefined, '--error');
      return { ...(error === undefined ? {} : { error }), ...(opts.retry ? { retry: true } : {}) };
    },
  );
  transition(
    'release',
    'release',
    'Give a task you hold back to the queue without counting an attempt',
    (c) => c.option('--reason <text>', 'why, for the history'),
    async (_ctx, opts) => (opts.reason === undefined ? {} : { reason: opts.reason }),
  );
}
