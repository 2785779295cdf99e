// `tcx hook stop`: the Claude Code Stop hook. An agent that still holds a task is told, once, to finish,
// release or note it before its session ends; a second stop in a row (stop_hook_active) is let through.
import type { Command } from 'commander';
import type { Task } from '@task-coordinator/core';
import { listAll } from '../board.js';
import type { Action } from './action.js';

interface StopHookInput {
  stop_hook_active?: boolean;
}

export function stopReason(held: readonly Task[]): string {
  const ids = held.map((task) => `${task.id} (${task.status})`).join(', ');
  return (
    `You still hold ${held.length === 1 ? 'a task' : `${held.length} tasks`} on the Task Coordinator: ${ids}. ` +
    'Before you stop: finish it (update_task status=done with output), give it back (release_task), ' +
    'or fail it with what is left to do (update_task status=failed, error=…, retry=true) so the next agent can continue.'
  );
}

export function registerHookCommands(program: Command, action: Action): void {
  const hook = program.command('hook').description('Claude Code hooks (used by the plugin)');
  hook
    .command('stop')
    .description('Stop hook: block the first stop while this agent holds a task (reads the hook JSON on stdin)')
    .action(
      action(async (ctx) => {
        const stdin = await ctx.io.readStdin();
        let input: StopHookInput = {};
        try {
          input = stdin ? (JSON.parse(stdin) as StopHookInput) : {};
        } catch {
          // not the hook's JSON: treat as a first stop
        }
        if (input.stop_hook_active) return;
        let held: Task[];
        try {
          held = (await listAll(ctx, { worker: ctx.worker, status: ['claimed', 'working'] }, 20)).tasks;
        } catch {
          return; // the server is down: nothing can be finished or released now, so never trap the agent
        }
        held = held.filter((task) => task.worker === ctx.worker);
        if (held.length) ctx.printJson({ decision: 'block', reason: stopReason(held) });
      }),
    );
}
