// The shapes the original server answered with: its Task (Date fields as ISO text, absent fields
// omitted) and its WorkerSlot. Shared by the original endpoints and the snapshot that serves them.
import type { SlotView, Task } from '@task-coordinator/core';

/** The task as the original server answered it: Date fields as ISO text, absent fields omitted. */
export interface LegacyTask {
  id: string;
  description: string;
  status: Task['status'];
  dependencies: string[];
  worker?: string;
  output?: string;
  error?: string;
  startedAt?: string;
  completedAt?: string;
}

/**
 * Statuses the original server never had, shown as the nearest one it had: still held. A waiting
 * task (its holder asked a person) and a task in review (done by its holder, not approved yet) are
 * neither available nor done, and original clients only know `working` for that.
 */
export const LEGACY_STATUS: Record<Task['status'], Task['status']> = {
  blocked: 'blocked',
  available: 'available',
  claimed: 'claimed',
  working: 'working',
  waiting: 'working',
  review: 'working',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The fields of a task the original server answered with. */
export type LegacySource = Pick<
  Task,
  'id' | 'description' | 'status' | 'dependencies' | 'worker' | 'output' | 'error' | 'startedAt' | 'completedAt'
>;

export function toLegacyTask(task: LegacySource): LegacyTask {
  return {
    id: task.id,
    description: task.description,
    status: LEGACY_STATUS[task.status],
    dependencies: task.dependencies,
    ...(task.worker !== null ? { worker: task.worker } : {}),
    ...(task.output !== null ? { output: task.output } : {}),
    ...(task.error !== null ? { error: task.error } : {}),
    ...(task.startedAt !== null ? { startedAt: new Date(task.startedAt).toISOString() } : {}),
    ...(task.completedAt !== null ? { completedAt: new Date(task.completedAt).toISOString() } : {}),
  };
}

/** The original WorkerSlot: {slot, workerId?, active, taskId?}. */
export function toLegacySlot(view: SlotView) {
  return {
    slot: view.slot,
    active: !view.free,
    ...(view.worker !== null ? { workerId: view.worker } : {}),
    ...(view.taskId !== null ? { taskId: view.taskId } : {}),
    ...(view.leaseExpiresAt !== null ? { leaseExpiresAt: view.leaseExpiresAt } : {}),
  };
}
