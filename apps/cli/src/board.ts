// Reading the board over REST: every page of a task list, and one task with its neighbours and history.
import { pages, type After, type Task, type TaskDetail, type TaskEvent, type TaskPage } from '@task-coordinator/core';
import { encodeId } from './api.js';
import type { Ctx } from './context.js';

export interface TaskFilter {
  status?: string[] | undefined;
  label?: string | undefined;
  worker?: string | undefined;
  text?: string | undefined;
}

const PAGE = 1000;

/** Every task matching the filter, in creation order (page after page), up to `max`. */
export async function listAll(
  ctx: Ctx,
  filter: TaskFilter = {},
  max = Infinity,
): Promise<{ tasks: Task[]; more: boolean }> {
  const tasks: Task[] = [];
  const fetch = (after: After) =>
    ctx.api.get<TaskPage>('/tasks', {
      project: ctx.project,
      status: filter.status,
      label: filter.label,
      worker: filter.worker,
      text: filter.text,
      limit: Math.min(PAGE, Math.max(1, max - tasks.length)),
      ...after,
    });
  for await (const page of pages(fetch)) {
    tasks.push(...page.tasks);
    if (page.nextCursor !== null && tasks.length >= max) return { tasks, more: true };
  }
  return { tasks, more: false };
}

export async function getTask(ctx: Ctx, id: string): Promise<TaskDetail> {
  const { task } = await ctx.api.get<{ task: TaskDetail }>(`/tasks/${encodeId(id)}`, { project: ctx.project });
  return task;
}

export async function history(ctx: Ctx, id: string): Promise<TaskEvent[]> {
  const { events } = await ctx.api.get<{ events: TaskEvent[] }>(`/tasks/${encodeId(id)}/history`, {
    project: ctx.project,
    limit: 1000,
  });
  return events;
}
