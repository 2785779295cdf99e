// How tool results read: a compact task shape, one-line summaries, and errors with a hint of what to do.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isActive, type DomainError, type ErrorCode, type Task, type TaskStatus } from '@task-coordinator/core';
import { z } from 'zod';

/**
 * What a tool returns of a task: enough to act on. Kept lean on purpose (plain numbers, no
 * descriptions): its JSON schema is repeated in the output schema of most tools, and tools/list
 * is paid for in tokens by every agent session.
 */
export const TaskBriefSchema = z.object({
  id: z.string(),
  status: z.string() as z.ZodType<TaskStatus>,
  description: z.string(),
  priority: z.number(),
  dependencies: z.array(z.string()),
  worker: z.string().nullable(),
  attempts: z.number(),
  output: z.string().nullable(),
  error: z.string().nullable(),
});
export type TaskBrief = z.output<typeof TaskBriefSchema>;

export function briefTask(task: Task): TaskBrief {
  return {
    id: task.id,
    status: task.status,
    description: task.description,
    priority: task.priority,
    dependencies: task.dependencies,
    worker: task.worker,
    attempts: task.attempts,
    output: task.output,
    error: task.error,
  };
}

/** After a change, the task's new state: what an agent acts on next (get_task has the rest). */
export const TaskStateSchema = z.object({
  id: z.string(),
  status: z.string() as z.ZodType<TaskStatus>,
  worker: z.string().nullable(),
  attempts: z.number(),
});
export type TaskState = z.output<typeof TaskStateSchema>;

export function taskState(task: Task): TaskState {
  return { id: task.id, status: task.status, worker: task.worker, attempts: task.attempts };
}

/** `id [status] first line of the description (holder)`. */
export function line(task: Task): string {
  const first = task.description.split('\n', 1)[0] as string;
  const short = first.length > 100 ? `${first.slice(0, 99)}…` : first;
  const holder = isActive(task.status) ? ` (${task.worker})` : '';
  const waits = task.status === 'blocked' && task.dependencies.length ? ` after ${task.dependencies.join(', ')}` : '';
  return `${task.id} [${task.status}${task.priority ? `, p${task.priority}` : ''}] ${short}${holder}${waits}`;
}

/** What to do next, per error code: the part of an error an agent can act on. */
export const ERROR_HINTS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'Fix the named fields and call again.',
  TASK_NOT_FOUND: 'Check the id with get_all_tasks.',
  TASK_EXISTS: 'Use another id, or get_task to see the existing task.',
  UNKNOWN_DEPENDENCY: 'Add the missing tasks first, or in the same add_tasks call.',
  DEPENDENCY_CYCLE: 'Remove the cycle from the dependencies.',
  NOT_CLAIMABLE: 'Take another task with claim_next_task.',
  SLOT_NOT_HELD: 'Use claim_next_task, which takes a slot for you, or claim_worker_slot first.',
  SLOT_BUSY: 'Finish your current task with update_task, or release_task it, first.',
  NO_FREE_SLOT: 'All worker slots are in use: call claim_next_task with wait_seconds to wait for one.',
  LEASE_LOST: 'Stop working on it: the task is no longer yours. Take new work with claim_next_task.',
  FILES_CONFLICT:
    'Another worker holds those files (named above): do not edit them; work on other files, or wait until its task ends.',
  INVALID_TRANSITION: 'Check the task with get_task.',
  UNAUTHORIZED: "Set TASK_COORDINATOR_TOKEN to the server's token.",
  STORE_BUSY: 'Retry in a moment.',
  STORE_UNAVAILABLE: 'The server cannot reach its database; retry in a moment.',
  RATE_LIMITED: 'Slow down and retry in a moment.',
  SERVER_UNAVAILABLE: 'Ask the user to start the server; this tool works again as soon as it is up.',
};

/**
 * A tool error: the code, the message and what to do next, as text. No structured content: a client
 * holding the tool's output schema (the SDK's, after tools/list) validates structured content against
 * it, errors included, and an error shape would make it throw instead of showing the message.
 */
export function errorResult(error: DomainError): CallToolResult {
  const hint = ERROR_HINTS[error.code];
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}${hint ? `\n${hint}` : ''}` }],
  };
}
