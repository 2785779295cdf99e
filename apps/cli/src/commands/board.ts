// Board commands: add, ls, ready, show, graph, stats.
import type { Command } from 'commander';
import {
  compareClaimOrder,
  TASK_STATUSES,
  type AddTasksResult,
  type BoardStats,
  type Task,
} from '@task-coordinator/core';
import { getTask, history, listAll } from '../board.js';
import type { Ctx } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { drawGraph } from '../render/graph.js';
import { paintStatus, statusStyle } from '../render/style.js';
import { taskTable } from '../render/table.js';
import { showTask } from '../render/task.js';
import type { Action } from './action.js';

const listFlag = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

const intFlag = (name: string) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
};

/** A batch on stdin: a JSON array of tasks, {tasks:[…]}, JSON Lines, or one description per line. */
export function parseBatch(text: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (!trimmed) throw new UsageError('stdin is empty: pass a description, or tasks on stdin');
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && /^\{\s*"tasks"/.test(trimmed))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`stdin is not valid JSON: ${(error as Error).message}`);
    }
    const tasks = Array.isArray(parsed) ? parsed : (parsed as { tasks?: unknown }).tasks;
    if (!Array.isArray(tasks)) throw new UsageError('stdin JSON must be an array of tasks or {"tasks":[…]}');
    return tasks as Record<string, unknown>[];
  }
  return trimmed.split('\n').flatMap((line, i) => {
    const text = line.trim();
    if (!text) return [];
    if (!text.startsWith('{')) return [{ description: text }];
    try {
      return [JSON.parse(text) as Record<string, unknown>];
    } catch (error) {
      throw new UsageError(`stdin line ${i + 1} is not valid JSON: ${(error as Error).message}`);
    }
  });
}

export function registerBoardCommands(program: Command, action: Action): void {
  program
    .command('add')
    .description(
      'Add a task (or a batch from stdin: JSON array, {"tasks":[…]}, JSON Lines or one description per line)',
    )
    .argument('[description...]', 'what to do, in full')
    .option('--id <id>', 'task id (generated when omitted)')
    .option('-d, --deps <ids>', 'ids that must be done first (comma-separated, repeatable)', listFlag)
    .option('-p, --priority <n>', 'higher runs first', intFlag('--priority'))
    .option('-l, --labels <labels>', 'labels (comma-separated, repeatable)', listFlag)
    .option('-f, --files <patterns>', 'files it will touch: paths or globs (comma-separated, repeatable)', listFlag)
    .option('--deadline <when>', 'ISO-8601 date-time')
    .option('--max-attempts <n>', 'failures before the task ends failed', intFlag('--max-attempts'))
    .action(
      action(async (ctx, words: string[], opts: Record<string, unknown>) => {
        let tasks: Record<string, unknown>[];
        if (words.length) {
          tasks = [
            {
              description: words.join(' '),
              ...(opts.id !== undefined ? { id: opts.id } : {}),
              ...(opts.deps !== undefined ? { dependencies: opts.deps } : {}),
              ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
              ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
              ...(opts.files !== undefined ? { files: opts.files } : {}),
              ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
              ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
            },
          ];
        } else {
          const stdin = await ctx.io.readStdin();
          if (stdin === null) throw new UsageError('add needs a description, or tasks on stdin');
          tasks = parseBatch(stdin);
          if (opts.files !== undefined) throw new UsageError('--files applies to one task; give "files" in the batch');
        }
        const result = await ctx.api.post<AddTasksResult>('/tasks', { project: ctx.project, tasks });
        if (ctx.json) return ctx.printJson(result);
        for (const task of result.tasks)
          ctx.print(
            `${result.created.includes(task.id) ? ctx.c.green('added') : ctx.c.dim('exists')} ${ctx.c.bold(task.id)} ${paintStatus(ctx, task.status)}`,
          );
      }),
    );

  const lsOptions = (command: Command) =>
    command
      .option('-s, --status <statuses>', `only these statuses (${TASK_STATUSES.join(', ')}; comma-separated)`, listFlag)
      .option('-l, --label <label>', 'only tasks with this label')
      .option('-w, --holder <worker>', 'only tasks of this worker')
      .option('-t, --text <text>', 'id or description contains this (case-insensitive)')
      .option('-n, --limit <n>', 'at most this many rows', intFlag('--limit'));

  const runList = async (ctx: Ctx, opts: Record<string, unknown>, status?: string[]) => {
    const limit = (opts.limit as number | undefined) ?? Infinity;
    const { tasks, more } = await listAll(
      ctx,
      {
        status: status ?? (opts.status as string[] | undefined),
        label: opts.label as string | undefined,
        worker: opts.holder as string | undefined,
        text: opts.text as string | undefined,
      },
      limit,
    );
    if (ctx.json) return ctx.printJson({ tasks, more });
    ctx.print(taskTable(ctx, tasks, ctx.io.columns));
    if (more) ctx.print(ctx.c.dim(`… more tasks match: raise --limit or narrow the filter`));
  };

  lsOptions(
    program.command('ls').alias('list').description('List tasks: a table that fits the terminal, or --json'),
  ).action(action((ctx, opts: Record<string, unknown>) => runList(ctx, opts)));

  lsOptions(
    program.command('ready').description('Tasks that can be claimed now, in the order claims take them'),
  ).action(
    action(async (ctx, opts: Record<string, unknown>) => {
      const { tasks } = await listAll(ctx, {
        status: ['available'],
        label: opts.label as string | undefined,
        text: opts.text as string | undefined,
      });
      const ordered = inClaimOrder(tasks);
      const shown = opts.limit !== undefined ? ordered.slice(0, opts.limit as number) : ordered;
      if (ctx.json) return ctx.printJson({ tasks: shown, more: shown.length < tasks.length });
      ctx.print(taskTable(ctx, shown, ctx.io.columns));
    }),
  );

  program
    .command('show')
    .description('One task: description, output, dependencies, dependents, notes and history')
    .argument('<id>', 'task id')
    .action(
      action(async (ctx, id: string) => {
        const task = await getTask(ctx, id);
        const events = await history(ctx, id);
        if (ctx.json) return ctx.printJson({ task, history: events });
        const related = new Map<string, Task>();
        await Promise.all(
          [...task.dependencies, ...task.dependents].map(async (other) => {
            try {
              related.set(other, await getTask(ctx, other));
            } catch {
              // removed meanwhile: shown by id alone
            }
          }),
        );
        ctx.print(showTask(ctx, task, related, events));
      }),
    );

  program
    .command('graph')
    .description('The dependency graph with statuses (one task and its neighbourhood with an id)')
    .argument('[id]', 'draw only this task, what it waits on and what waits on it')
    .action(
      action(async (ctx, id: string | undefined) => {
        if (id !== undefined) await getTask(ctx, id); // TASK_NOT_FOUND rather than an empty drawing
        const { tasks } = await listAll(ctx);
        if (ctx.json)
          return ctx.printJson({
            nodes: tasks.map((t) => ({ id: t.id, status: t.status })),
            edges: tasks.flatMap((t) => t.dependencies.map((from) => ({ from, to: t.id }))),
          });
        ctx.print(drawGraph(ctx, tasks, ctx.io.columns, id));
      }),
    );

  program
    .command('stats')
    .description('Tasks by status and worker slots in use')
    .action(
      action(async (ctx) => {
        const stats = await ctx.api.get<BoardStats & Record<string, unknown>>('/stats', { project: ctx.project });
        if (ctx.json) return ctx.printJson(stats);
        const total = Math.max(1, stats.total);
        const barWidth = Math.max(10, Math.min(40, ctx.io.columns - 30));
        ctx.print(
          `${ctx.c.bold(stats.project)}: ${stats.total} tasks, slots ${stats.slots.busy} busy / ${stats.slots.held} held / ${stats.slots.total}`,
        );
        for (const [status, count] of Object.entries(stats.tasks)) {
          const { paint } = statusStyle(ctx, status);
          const bar = '█'.repeat(Math.round((count / total) * barWidth));
          ctx.print(
            `  ${paintStatus(ctx, status).padEnd(status.length + 2)}${' '.repeat(Math.max(1, 12 - status.length))}${String(count).padStart(7)}  ${paint(bar)}`,
          );
        }
      }),
    );
}

/** Available tasks in the order claim-next takes them (core's rule; the list comes in creation order). */
export function inClaimOrder(tasks: readonly Task[]): Task[] {
  return tasks
    .map((task, ord) => ({ task, ord }))
    .sort(compareClaimOrder)
    .map(({ task }) => task);
}
