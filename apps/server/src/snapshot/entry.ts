// What a project snapshot keeps of each task (shared by the snapshot and its first-page cache).
import type { TaskStatus } from '@task-coordinator/core';

/** What the snapshot keeps of a task: enough to filter and order, and its original-endpoint JSON. */
export interface Entry {
  /** Creation order: the position in the last full load, then appended as tasks are added. */
  pos: number;
  status: TaskStatus;
  worker: string | null;
  labels: readonly string[];
  /** The row's version this entry shows (an event's row change applies on top of version - 1 only). */
  version: number;
  legacy: string;
}
