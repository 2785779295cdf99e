// `tcx prime`: a compact briefing for an agent's session start (what it holds, what is ready, what needs people, the
// workflow), bounded whatever the board's size: each list shows a few lines and counts the rest (≤ 1,500 tokens at bytes/4).
import type { Command } from 'commander';
import type { BoardStats, DomainError, Reservation, Task } from '@task-coordinator/core';
import { listAll } from '../board.js';
import type { Ctx } from '../context.js';
import { cut } from '../render/style.js';
import type { Action } from './action.js';
import { inClaimOrder } from './board.js';

const SHOWN = { held: 5, files: 8, ready: 5, people: 5 } as const;
/** Available tasks read to pick the next ones in claim order; beyond it the briefing says "first of these". */
const READY_SCAN = 5000;
const LINE = 110;

const WORKFLOW = [
  '## Workflow',
  '- Take work: claim_next_task (CLI: `tcx claim`). Then update_task status=working.',
  '- Finish: update_task status=done with output (what you produced, where). Cannot: status=failed with error (retry=true to let another try).',
  '- Stopping early: release_task gives the task back. Never end a session holding a task.',
  '- Before editing files another agent may touch: reserve_files (CLI: `tcx reserve`); they go back with the task.',
  '- LEASE_LOST means the task is no longer yours: stop and claim again.',
];

const line = (task: Task, extra = '') =>
  `- ${task.id} [${task.status}${task.priority ? ` p${task.priority}` : ''}]${extra} ${cut(task.description, LINE)}`;

export async function primeText(ctx: Ctx): Promise<string> {
  const stats = await ctx.api.get<BoardStats>('/stats', { project: ctx.project });
  const held = (await listAll(ctx, { worker: ctx.worker, status: activeStatuses(stats) }, 50)).tasks.filter(
    (task) => task.worker === ctx.worker,
  );
  const out = [`# Task Coordinator: project "${ctx.project}" at ${ctx.api.base}; you are worker ${ctx.worker}`];
  const counts = Object.entries(stats.tasks)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  out.push(`Board: ${stats.total} tasks (${counts || 'empty'}); slots ${stats.slots.busy}/${stats.slots.total} busy.`);

  out.push('', `## You hold (${held.length})`);
  if (!held.length) out.push('- nothing');
  for (const task of held.slice(0, SHOWN.held)) out.push(line(task));
  if (held.length > SHOWN.held) out.push(`- … and ${held.length - SHOWN.held} more (tcx ls --holder ${ctx.worker})`);

  // The files this worker holds for its tasks: its own edits there are safe, others' are refused by the guard.
  if (held.length) {
    const { reservations } = await ctx.api.get<{ reservations: Reservation[] }>('/reservations', {
      project: ctx.project,
      worker: ctx.worker,
    });
    out.push('', `## Your file reservations (${reservations.length})`);
    if (!reservations.length) out.push('- none');
    for (const r of reservations.slice(0, SHOWN.files))
      out.push(`- ${cut(r.pattern, 80)} ${r.mode} for task ${r.taskId}${r.reason ? ` (${cut(r.reason, 40)})` : ''}`);
    if (reservations.length > SHOWN.files)
      out.push(`- … and ${reservations.length - SHOWN.files} more (tcx reserve --list --holder ${ctx.worker})`);
  }

  const available = stats.tasks.available;
  out.push('', `## Ready (${available})`);
  if (available) {
    const { tasks } = await listAll(ctx, { status: ['available'] }, READY_SCAN);
    for (const task of inClaimOrder(tasks).slice(0, SHOWN.ready)) out.push(line(task));
    if (available > SHOWN.ready) out.push(`- … ${available - SHOWN.ready} more (tcx ready)`);
  } else out.push(stats.tasks.blocked ? `- none: ${stats.tasks.blocked} blocked on dependencies` : '- none');

  // Failed tasks wait for a person to reset them; statuses added later (waiting, review) are people's turn too.
  const people = Object.keys(stats.tasks).filter((s) => ['failed', 'waiting', 'review'].includes(s));
  const needing = people.reduce((sum, s) => sum + (stats.tasks[s as keyof typeof stats.tasks] ?? 0), 0);
  out.push('', `## Needs people (${needing})`);
  if (needing) {
    const { tasks } = await listAll(ctx, { status: people }, SHOWN.people);
    for (const task of tasks) out.push(line(task, task.error ? ` error: ${cut(task.error, 60)} —` : ''));
    if (needing > SHOWN.people) out.push(`- … ${needing - SHOWN.people} more (tcx ls --status ${people.join(',')})`);
  } else out.push('- nothing');

  out.push('', ...WORKFLOW);
  return out.join('\n');
}

/** Statuses in which a task is held (claimed, working, and `waiting` where the server has it). */
function activeStatuses(stats: BoardStats): string[] {
  return Object.keys(stats.tasks).filter((s) => ['claimed', 'working', 'waiting'].includes(s));
}

export function registerPrimeCommand(program: Command, action: Action): void {
  program
    .command('prime')
    .description("A compact briefing for an agent's session start (≤ 1,500 tokens on any board)")
    .option(
      '--hook',
      'answer as a Claude Code SessionStart hook (JSON with additionalContext); never fails the session',
    )
    .action(
      action(async (ctx, opts: { hook?: boolean }) => {
        if (!opts.hook) {
          const text = await primeText(ctx);
          return ctx.json ? ctx.printJson({ prime: text }) : ctx.print(text);
        }
        let text: string;
        try {
          text = await primeText(ctx);
        } catch (error) {
          const e = error as DomainError;
          text = `# Task Coordinator: not reachable (${e.code ?? 'ERROR'}: ${e.message}). Its tools will fail until the server runs; tell the user.`;
        }
        ctx.printJson({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: text } });
      }),
    );
}
