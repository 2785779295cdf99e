// `tcx reserve`: take, give back, check and list file reservations (patterns a worker holds for a task it holds).
import type { Command } from 'commander';
import { encodeId } from '../api.js';
import type { Ctx } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-codes.js';
import { checkLine, reservationLine, type CheckView, type ReservationView } from '../render/reservations.js';
import type { Action } from './action.js';

interface ReserveOptions {
  shared?: boolean;
  reason?: string;
  release?: boolean;
  check?: boolean;
  list?: boolean;
  task?: string;
  holder?: string;
}

async function reserve(ctx: Ctx, taskId: string, patterns: string[], opts: ReserveOptions): Promise<void> {
  const result = await ctx.api.post<{ reservations: ReservationView[] }>(`/tasks/${encodeId(taskId)}/reservations`, {
    project: ctx.project,
    workerId: ctx.worker,
    patterns,
    mode: opts.shared ? 'shared' : 'exclusive',
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  });
  if (ctx.json) return ctx.printJson(result);
  ctx.print(`${ctx.c.bold(taskId)} holds ${result.reservations.length} reservation(s):`);
  for (const r of result.reservations) ctx.print(`  ${reservationLine(ctx, r, false)}`);
}

async function release(ctx: Ctx, taskId: string, patterns: string[]): Promise<void> {
  const result = await ctx.api.request<{ released: ReservationView[] }>(
    'DELETE',
    `/tasks/${encodeId(taskId)}/reservations`,
    { project: ctx.project, workerId: ctx.worker, ...(patterns.length ? { patterns } : {}) },
  );
  if (ctx.json) return ctx.printJson(result);
  if (!result.released.length) return ctx.print(ctx.c.dim(`${taskId}: nothing to release`));
  for (const r of result.released) ctx.print(`released ${ctx.c.bold(r.pattern)} ${ctx.c.dim(`(task ${taskId})`)}`);
}

async function check(ctx: Ctx, paths: string[]): Promise<void> {
  const result = await ctx.api.post<{ results: CheckView[] }>('/reservations/check', {
    project: ctx.project,
    workerId: ctx.worker,
    paths,
  });
  const held = result.results.filter((r) => !r.free);
  if (ctx.json) ctx.printJson(result);
  else {
    const width = Math.min(50, Math.max(...result.results.map((r) => r.path.length)));
    for (const r of result.results) ctx.print(checkLine(ctx, r, width));
  }
  if (held.length)
    throw new ExitError(
      'FILES_HELD',
      `${held.length} of ${paths.length} path(s) held by another worker`,
      EXIT.CONFLICT,
    );
}

async function list(ctx: Ctx, opts: ReserveOptions): Promise<void> {
  const result = await ctx.api.get<{ reservations: ReservationView[] }>('/reservations', {
    project: ctx.project,
    worker: opts.holder,
    taskId: opts.task,
  });
  if (ctx.json) return ctx.printJson(result);
  if (!result.reservations.length) return ctx.print(ctx.c.dim('no reservations'));
  for (const r of result.reservations) ctx.print(reservationLine(ctx, r));
}

export function registerReserveCommand(program: Command, action: Action): void {
  program
    .command('reserve')
    .description(
      'File reservations: reserve patterns for a task you hold, --release them, --check paths, or --list them',
    )
    .argument('[args...]', '<taskId> <patterns...> | --release <taskId> [patterns...] | --check <paths...>')
    .option('--shared', 'a shared reservation (others may share, nobody may take it exclusively)')
    .option('-r, --reason <text>', 'why (shown to others)')
    .option('--release', 'give back the task’s reservations (all, or the patterns named)')
    .option('--check', 'exit 4 when another worker holds one of the paths; print who')
    .option('--list', 'list reservations (the default without arguments)')
    .option('-t, --task <id>', 'with --list: only this task’s')
    .option('-w, --holder <worker>', 'with --list: only this worker’s')
    .addHelpText(
      'after',
      `
Patterns are repo-relative paths or globs (src/auth/**, *.md). A reservation lives as long as its task is held:
it goes when the task is done, failed, released or expires. Examples:
  tcx reserve auth-1 'src/auth/**' --reason "login rework"
  tcx reserve --check src/auth/login.ts README.md
  tcx reserve --release auth-1`,
    )
    .action(
      action(async (ctx, args: string[], opts: ReserveOptions) => {
        const modes = [opts.release, opts.check, opts.list].filter(Boolean).length;
        if (modes > 1) throw new UsageError('use one of --release, --check and --list');
        if ((opts.task !== undefined || opts.holder !== undefined) && !(opts.list || !args.length))
          throw new UsageError('--task and --holder filter --list');
        if (opts.check) {
          if (!args.length) throw new UsageError('--check needs the paths to check');
          return check(ctx, args);
        }
        if (opts.list || (!args.length && !opts.release)) return list(ctx, opts);
        const [taskId, ...patterns] = args;
        if (taskId === undefined) throw new UsageError('name the task: tcx reserve --release <taskId> [patterns...]');
        if (opts.release) {
          if (opts.shared || opts.reason !== undefined)
            throw new UsageError('--shared and --reason apply to reserving');
          return release(ctx, taskId, patterns);
        }
        if (!patterns.length) throw new UsageError(`name the patterns to reserve: tcx reserve ${taskId} 'src/auth/**'`);
        return reserve(ctx, taskId, patterns, opts);
      }),
    );
}
