// The board's filters and sort order, read from and written to the URL so a view can be shared.
import { NO_DEADLINE_KEY, TASK_STATUSES, type Task, type TaskStatus } from '@task-coordinator/core';

export const SORTS = {
  claim: 'claim order (priority, deadline, age)',
  newest: 'newest first',
  updated: 'recently changed',
  id: 'id',
} as const;
export type Sort = keyof typeof SORTS;

export interface Filter {
  statuses: TaskStatus[];
  label: string;
  worker: string;
  text: string;
  sort: Sort;
}

export function readFilter(query: URLSearchParams): Filter {
  const statuses = (query.get('status') ?? '')
    .split(',')
    .filter((s): s is TaskStatus => (TASK_STATUSES as readonly string[]).includes(s));
  const sort = query.get('sort') ?? 'claim';
  return {
    statuses,
    label: query.get('label') ?? '',
    worker: query.get('worker') ?? '',
    text: query.get('q') ?? '',
    sort: sort in SORTS ? (sort as Sort) : 'claim',
  };
}

/** The query string for `filter` on top of `query` (keeps the project). */
export function writeFilter(query: URLSearchParams, filter: Filter): string {
  const next = new URLSearchParams(query);
  const set = (key: string, value: string) => (value ? next.set(key, value) : next.delete(key));
  set('status', filter.statuses.join(','));
  set('label', filter.label);
  set('worker', filter.worker);
  set('q', filter.text);
  set('sort', filter.sort === 'claim' ? '' : filter.sort);
  const text = next.toString();
  return text ? `?${text}` : '';
}

export function isFiltered(filter: Filter): boolean {
  return filter.statuses.length > 0 || filter.label !== '' || filter.worker !== '' || filter.text !== '';
}

export function matches(task: Task, filter: Filter, text = filter.text.toLowerCase()): boolean {
  if (filter.label && !task.labels.includes(filter.label)) return false;
  if (filter.worker && task.worker !== filter.worker) return false;
  if (text && !task.id.toLowerCase().includes(text) && !task.description.toLowerCase().includes(text)) return false;
  return true;
}

const BY: Record<Sort, (a: Task, b: Task) => number> = {
  // The order claim-next takes them in (creation order stands in for the store's insertion order).
  claim: (a, b) =>
    b.priority - a.priority ||
    (a.deadline ?? NO_DEADLINE_KEY) - (b.deadline ?? NO_DEADLINE_KEY) ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : 1),
  newest: (a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1),
  updated: (a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1),
  id: (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
};

/** One column's tasks, filtered and sorted. */
export function columnTasks(column: Iterable<Task>, filter: Filter): Task[] {
  const text = filter.text.toLowerCase();
  const out: Task[] = [];
  for (const task of column) if (matches(task, filter, text)) out.push(task);
  return out.sort(BY[filter.sort]);
}
