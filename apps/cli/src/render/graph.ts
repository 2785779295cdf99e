// `tcx graph`: the dependency DAG as a tree from its roots. A task with several dependencies is drawn
// under the first one reached and shown again under the others as a reference (`↑`), so every edge is visible.
import { isActive, type Task } from '@task-coordinator/core';
import type { Ctx } from '../context.js';
import { cut, statusStyle } from './style.js';

/**
 * Draws `tasks` (in the order given: creation order) with edges dependency → dependent.
 * `focus` limits the drawing to one task, everything it waits on and everything waiting on it.
 */
export function drawGraph(ctx: Ctx, all: readonly Task[], columns: number, focus?: string): string {
  const { c } = ctx;
  const byId = new Map(all.map((task) => [task.id, task]));
  let tasks = all;
  if (focus !== undefined) {
    const keep = new Set<string>([focus]);
    const dependents = dependentsOf(all);
    const walk = (id: string, next: (id: string) => readonly string[]) => {
      const stack = [id];
      while (stack.length) {
        for (const other of next(stack.pop() as string))
          if (!keep.has(other) && byId.has(other)) {
            keep.add(other);
            stack.push(other);
          }
      }
    };
    walk(focus, (id) => byId.get(id)?.dependencies ?? []);
    walk(focus, (id) => dependents.get(id) ?? []);
    tasks = all.filter((task) => keep.has(task.id));
  }
  if (!tasks.length) return c.dim('(no tasks)');
  const shown = new Set(tasks.map((task) => task.id));
  const children = dependentsOf(tasks);
  // Roots: no dependency among the tasks drawn (a dependency outside the drawing is named on the line).
  const roots = tasks.filter((task) => !task.dependencies.some((d) => shown.has(d)));
  const drawn = new Set<string>();
  const lines: string[] = [];

  const label = (task: Task, prefixWidth: number, reference: boolean) => {
    const { symbol, paint } = statusStyle(ctx, task.status);
    const head = `${symbol} ${task.id}`;
    if (reference) return `${paint(head)} ${c.dim('↑ (above)')}`;
    const status = `[${task.status}${task.worker && isActive(task.status) ? ` ${task.worker}` : ''}]`;
    const outside = task.dependencies.filter((d) => !shown.has(d));
    const also = task.dependencies.filter((d) => shown.has(d));
    const after = also.length > 1 ? ` after ${also.join(', ')}` : '';
    const external = outside.length ? ` needs ${outside.join(', ')}` : '';
    const used = prefixWidth + head.length + 1 + status.length + after.length + external.length + 2;
    const room = columns - used;
    const text = room >= 8 ? `  ${cut(task.description, room)}` : '';
    return `${paint(head)} ${paint(status)}${c.dim(after + external)}${text}`;
  };

  // Iterative depth-first walk (a 10,000-task chain must not overflow the stack).
  type Frame = { id: string; prefix: string; last: boolean; root: boolean };
  const stack: Frame[] = roots
    .map((task, i) => ({ id: task.id, prefix: '', last: i === roots.length - 1, root: true }))
    .reverse();
  while (stack.length) {
    const frame = stack.pop() as Frame;
    const task = byId.get(frame.id) as Task;
    const reference = drawn.has(task.id);
    const lead = frame.root ? '' : `${frame.prefix}${frame.last ? '└─▶ ' : '├─▶ '}`;
    lines.push(`${c.dim(lead)}${label(task, lead.length, reference)}`);
    if (reference) continue;
    drawn.add(task.id);
    const next = children.get(task.id) ?? [];
    const childPrefix = frame.root ? '' : `${frame.prefix}${frame.last ? '    ' : '│   '}`;
    for (let i = next.length - 1; i >= 0; i--)
      stack.push({ id: next[i] as string, prefix: childPrefix, last: i === next.length - 1, root: false });
  }
  return lines.join('\n');
}

/** id → ids of the tasks that depend on it, in the order of `tasks`. */
function dependentsOf(tasks: readonly Task[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const task of tasks)
    for (const dep of task.dependencies) {
      const list = map.get(dep);
      if (list) list.push(task.id);
      else map.set(dep, [task.id]);
    }
  return map;
}
