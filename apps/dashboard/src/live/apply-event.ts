// Applies a committed event to the dashboard's copy of the board, so a live update costs no
// request. Events carry what changed (from/to, holder, slot, attempts, lease); this is a read-side
// projection of them, not a rule: the server decided, the board only mirrors it.
import type { Task, TaskEvent } from '@task-coordinator/core';

export interface BoardData {
  tasks: Map<string, Task>;
  /** Task id → ids of the tasks that depend on it. */
  dependents: Map<string, Set<string>>;
}

export function emptyBoard(): BoardData {
  return { tasks: new Map(), dependents: new Map() };
}

export function indexDependencies(board: BoardData, task: Task): void {
  for (const dependency of task.dependencies) {
    let set = board.dependents.get(dependency);
    if (!set) board.dependents.set(dependency, (set = new Set()));
    set.add(task.id);
  }
}

/**
 * Puts a task as the API returned it, unless the board already holds a later state of it: an
 * action's answer can arrive after the events that followed it (an agent claimed the task just
 * reset), and must not roll the card back.
 */
export function putTask(board: BoardData, task: Task): void {
  const current = board.tasks.get(task.id);
  if (current && current.updatedAt > task.updatedAt) return;
  board.tasks.set(task.id, task);
  if (!current) indexDependencies(board, task);
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** What the board holds after `event`. Returns whether anything visible changed. */
export function applyEvent(board: BoardData, event: TaskEvent): boolean {
  const data = event.data;
  if (event.type === 'tasks.cleaned') {
    const had = board.tasks.size > 0;
    board.tasks.clear();
    board.dependents.clear();
    return had;
  }
  if (event.type === 'task.added' && event.taskId) {
    if (board.tasks.has(event.taskId)) return false;
    const task: Task = {
      id: event.taskId,
      project: event.project,
      description: str(data.description) ?? '',
      status: (str(data.to) ?? 'available') as Task['status'],
      priority: num(data.priority) ?? 0,
      dependencies: Array.isArray(data.dependencies) ? (data.dependencies as string[]) : [],
      labels: Array.isArray(data.labels) ? (data.labels as string[]) : [],
      deadline: num(data.deadline),
      output: str(data.output),
      error: null,
      worker: null,
      slot: null,
      attempts: 0,
      maxAttempts: num(data.maxAttempts) ?? 3,
      leaseExpiresAt: null,
      createdAt: event.at,
      startedAt: null,
      completedAt: null,
      updatedAt: event.at,
      version: 1,
    };
    board.tasks.set(task.id, task);
    indexDependencies(board, task);
    return true;
  }
  if (!event.taskId) return false;
  const task = board.tasks.get(event.taskId);
  if (!task) return false;
  const next: Task = { ...task, updatedAt: event.at, version: task.version + 1 };
  if (event.type === 'task.edited') {
    for (const field of ['description', 'priority', 'labels', 'deadline', 'maxAttempts'] as const) {
      if (field in data) (next as unknown as Record<string, unknown>)[field] = data[field];
    }
    board.tasks.set(task.id, next);
    return true;
  }
  const to = str(data.to) as Task['status'] | null;
  if (!to) return false;
  next.status = to;
  const attempts = num(data.attempts);
  if (attempts !== null) next.attempts = attempts;
  // Each case mirrors the row the rule writes (rules/holder.ts, admin.ts, leases.ts).
  switch (to) {
    case 'claimed':
      next.worker = event.workerId;
      next.slot = event.slot;
      next.leaseExpiresAt = num(data.leaseExpiresAt);
      next.startedAt = null;
      break;
    case 'working':
      next.worker = event.workerId ?? task.worker;
      next.slot = event.slot ?? task.slot;
      next.startedAt = event.at;
      break;
    case 'done':
      next.worker = event.workerId ?? task.worker;
      next.slot = null;
      next.leaseExpiresAt = null;
      next.error = null;
      next.completedAt = event.at;
      break;
    case 'failed':
      next.slot = null;
      next.leaseExpiresAt = null;
      next.completedAt = event.at;
      if (event.type === 'task.expired') {
        // The holder lost it: no worker, and the reason is the error.
        next.worker = null;
        next.error = str(data.reason);
      } else if ('error' in data) next.error = str(data.error);
      break;
    case 'cancelled':
      next.worker = null;
      next.slot = null;
      next.leaseExpiresAt = null;
      next.startedAt = null;
      next.completedAt = event.at;
      break;
    default:
      // Back to the queue (released, retrying, expired, reset, unblocked).
      next.worker = null;
      next.slot = null;
      next.leaseExpiresAt = null;
      next.startedAt = null;
      if (event.type === 'task.reset') {
        next.attempts = 0;
        next.error = null;
        next.output = null;
        next.completedAt = null;
      }
      if (event.type === 'task.retrying' && 'error' in data) next.error = str(data.error);
  }
  board.tasks.set(task.id, next);
  return true;
}
