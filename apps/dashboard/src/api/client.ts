// The dashboard's API client: typed calls to /api/v1 with the session's token; errors rebuilt
// from the server's {"error":{code,message,details}} body, exactly as every other client does.
import {
  ERROR_HTTP_STATUS,
  type ErrorCode,
  type PlanRequest,
  type PlanResult,
  type ResetTasksResult,
  type AddTasksResult,
  type BoardStats,
  type CreateTaskInput,
  type SlotView,
  type Task,
  type TaskDetail,
  type TaskEvent,
  type Throughput,
} from '@task-coordinator/core';
import { getToken } from './token.js';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface EventFilter {
  taskId?: string;
  workerId?: string;
  type?: readonly string[];
  since?: string;
  until?: string;
}

// The plan endpoint's types come from core's schemas (the server validates with the same ones).
export type { PlanRequest, PlanResult } from '@task-coordinator/core';

type Query = Record<string, string | number | readonly string[] | undefined>;

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function send(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  // The audit trail names who made each change: here, a person using the dashboard.
  const headers: Record<string, string> = { accept: 'application/json', 'x-worker-id': 'dashboard' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('NETWORK', 'the server cannot be reached', 0);
  }
  if (!res.ok) await failure(res);
  return res;
}

/** Throws the server's error, rebuilt from its {"error":{code,message,details}} body. */
async function failure(res: Response): Promise<never> {
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)
    ?.error;
  const code = error?.code && error.code in ERROR_HTTP_STATUS ? (error.code as ErrorCode) : 'INTERNAL';
  throw new ApiError(code, error?.message ?? `HTTP ${res.status}`, res.status, error?.details ?? {});
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const res = await send(method, path, body, signal);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** One project's view of the API. */
export function api(project: string) {
  const p = { project };
  return {
    stats: (signal?: AbortSignal) => request<BoardStats>('GET', `/api/v1/stats${queryString(p)}`, undefined, signal),
    listTasks: (query: { cursor?: string; limit?: number; status?: readonly string[] }, signal?: AbortSignal) =>
      request<{ tasks: Task[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/tasks${queryString({ ...p, ...query })}`,
        undefined,
        signal,
      ),
    getTask: (id: string, signal?: AbortSignal) =>
      request<{ task: TaskDetail }>(
        'GET',
        `/api/v1/tasks/${encodeURIComponent(id)}${queryString(p)}`,
        undefined,
        signal,
      ),
    history: (id: string, signal?: AbortSignal) =>
      request<{ events: TaskEvent[] }>(
        'GET',
        `/api/v1/tasks/${encodeURIComponent(id)}/history${queryString({ ...p, limit: 1000 })}`,
        undefined,
        signal,
      ),
    addTask: (task: CreateTaskInput) =>
      request<{ task: Task; created: boolean }>('POST', `/api/v1/tasks${queryString(p)}`, task),
    addTasks: (tasks: CreateTaskInput[]) =>
      request<AddTasksResult>('POST', `/api/v1/tasks${queryString(p)}`, { tasks }),
    /** Many failed/cancelled tasks back to the queue in one request (one atomic step). */
    resetMany: (taskIds: readonly string[]) =>
      request<ResetTasksResult>('POST', `/api/v1/tasks/reset${queryString(p)}`, { taskIds }),
    reset: (id: string) =>
      request<{ task: Task }>('POST', `/api/v1/tasks/${encodeURIComponent(id)}/reset${queryString(p)}`, {}),
    cancel: (id: string, reason: string) =>
      request<{ task: Task }>('POST', `/api/v1/tasks/${encodeURIComponent(id)}/cancel${queryString(p)}`, { reason }),
    /** Gives a stuck claim back to the queue without counting an attempt (fenced by its holder). */
    releaseTask: (id: string, holder: string) =>
      request<{ task: Task }>('POST', `/api/v1/tasks/${encodeURIComponent(id)}/release${queryString(p)}`, {
        workerId: holder,
        reason: 'released from the dashboard',
      }),
    slots: (signal?: AbortSignal) =>
      request<{ slots: SlotView[] }>('GET', `/api/v1/slots${queryString(p)}`, undefined, signal),
    throughput: (signal?: AbortSignal) =>
      request<Throughput>('GET', `/api/v1/stats/throughput${queryString(p)}`, undefined, signal),
    cleanAll: () => request<{ removed: number; slotsFreed: number }>('POST', `/api/v1/clean-all${queryString(p)}`, {}),
    /** The audit log, a page at a time (afterSeq = the previous page's nextCursor). */
    events: (
      filter: EventFilter & { afterSeq?: number; beforeSeq?: number; order?: 'asc' | 'desc'; limit?: number },
      signal?: AbortSignal,
    ) =>
      request<{ events: TaskEvent[]; lastSeq: number; nextCursor: string | null }>(
        'GET',
        `/api/v1/events${queryString({ ...p, ...filter })}`,
        undefined,
        signal,
      ),
    /** The whole filtered audit log as a file (fetched with the token, then saved by the browser). */
    exportEvents: async (filter: EventFilter, format: 'csv' | 'json' | 'jsonl') =>
      (await send('GET', `/api/v1/events/export${queryString({ ...p, ...filter, format })}`)).blob(),
    loadPlan: (plan: PlanRequest) => request<PlanResult>('POST', `/api/v1/plans${queryString(p)}`, plan),
  };
}

export type Api = ReturnType<typeof api>;
