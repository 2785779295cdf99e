// The tools' backend over HTTP: every call is a request to the server's /api/v1, with a timeout.
import {
  type AddNoteInput,
  type CheckFilesInput,
  type CheckFilesResult,
  type ReleasedResult,
  type ReleaseFilesInput,
  type ReservationsResult,
  type ReserveFilesInput,
  type AskQuestionInput,
  type Task,
  type TaskAnswer,
  DomainError,
  type AddTasksInput,
  type AddTasksResult,
  type CancelTaskInput,
  type ClaimNextInput,
  type ClaimResult,
  type ClaimSlotInput,
  type ClaimTaskInput,
  type CleanAllInput,
  type CleanAllResult,
  type CompleteResult,
  type CompleteTaskInput,
  type FailTaskInput,
  type GetTaskInput,
  type HeartbeatInput,
  type HeartbeatResult,
  type HistoryQuery,
  type ListTasksQuery,
  type ReleaseSlotInput,
  type ReleaseSlotResult,
  type ReleaseTaskInput,
  type ResetTaskInput,
  type SlotResult,
  type SlotView,
  type StartTaskInput,
  type TaskDetail,
  type TaskEvent,
  type TaskPage,
  type TaskResult,
} from '@task-coordinator/core';
import type { ToolBackend } from '@task-coordinator/mcp-tools';

export interface HttpBackendOptions {
  /** The server, e.g. http://localhost:3335. */
  url: string;
  token?: string | null;
  /** Sent as X-Worker-Id: the server's audit trail records which worker made each change. */
  workerId?: string;
  /** Longest wait for an answer (a long-poll gets its wait on top). */
  timeoutMs?: number;
}

const encode = encodeURIComponent;

export class HttpBackend implements ToolBackend {
  private readonly base: string;
  private readonly timeoutMs: number;
  /** Aborts every request in flight (shutdown): a claim landing after we gave our work back would leak. */
  private inFlight = new AbortController();

  constructor(private readonly options: HttpBackendOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  private unreachable(detail: string): DomainError {
    return new DomainError(
      'SERVER_UNAVAILABLE',
      `cannot reach the Task Coordinator server at ${this.base} (${detail}). Start it with "npx task-coordinator-server" ` +
        '(or "npm start" in its repository), or point TASK_COORDINATOR_URL at it.',
      { url: this.base },
    );
  }

  /** One JSON request; rebuilds the server's DomainError from an error body. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: { timeoutMs?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const timeout = AbortSignal.timeout(extra.timeoutMs ?? this.timeoutMs);
    const signal = AbortSignal.any([timeout, this.inFlight.signal, ...(extra.signal ? [extra.signal] : [])]);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    // Header values are bytes: a worker id outside printable ASCII is simply not announced.
    if (this.options.workerId && /^[\x20-\x7e]+$/.test(this.options.workerId))
      headers['x-worker-id'] = this.options.workerId;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      if (extra.signal?.aborted || (signal.aborted && !timeout.aborted))
        throw new DomainError('VALIDATION_FAILED', 'the call was cancelled');
      if (timeout.aborted)
        throw this.unreachable(`no answer within ${Math.round((extra.timeoutMs ?? this.timeoutMs) / 1000)} s`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw this.unreachable(cause?.code ?? cause?.message ?? (error as Error).message);
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      throw this.unreachable(
        `answered HTTP ${res.status} with something that is not JSON; is this the Task Coordinator?`,
      );
    }
    if (!res.ok) {
      const error = DomainError.fromBody(parsed);
      if (error.code === 'INTERNAL' && !(parsed as { error?: unknown } | null)?.error)
        throw this.unreachable(`answered HTTP ${res.status}`);
      throw error;
    }
    return parsed as T;
  }

  /** Cancels every request in flight; later requests go out normally. */
  abortInFlight(): void {
    this.inFlight.abort();
    this.inFlight = new AbortController();
  }

  private query(params: Record<string, string | number | undefined>): string {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined) as Array<[string, string | number]>;
    return entries.length ? `?${entries.map(([k, v]) => `${encode(k)}=${encode(String(v))}`).join('&')}` : '';
  }

  private task(id: string, action = ''): string {
    return `/api/v1/tasks/${encode(id)}${action}`;
  }

  /** GET /api/health: liveness plus the lease TTL (with the token). */
  health(): Promise<{ status: string; leaseTtlMs?: number; version?: string }> {
    return this.request('GET', '/api/health', undefined, { timeoutMs: 5000 });
  }

  addTasks(input: AddTasksInput): Promise<AddTasksResult> {
    return this.request('POST', '/api/v1/tasks', input);
  }

  listTasks(query: ListTasksQuery): Promise<TaskPage> {
    return this.request(
      'GET',
      `/api/v1/tasks${this.query({
        project: query.project,
        status: query.status?.join(','),
        label: query.label,
        worker: query.worker,
        text: query.text,
        limit: query.limit,
        cursor: query.cursor,
      })}`,
    );
  }

  async getTask(input: GetTaskInput): Promise<TaskDetail> {
    return (
      await this.request<{ task: TaskDetail }>(
        'GET',
        `${this.task(input.taskId)}${this.query({ project: input.project })}`,
      )
    ).task;
  }

  async taskHistory(query: HistoryQuery): Promise<TaskEvent[]> {
    const path = `${this.task(query.taskId, '/history')}${this.query({ project: query.project, limit: query.limit })}`;
    return (await this.request<{ events: TaskEvent[] }>('GET', path)).events;
  }

  claimTask({ taskId, ...rest }: ClaimTaskInput): Promise<ClaimResult> {
    return this.request('POST', this.task(taskId, '/claim'), rest);
  }

  async claimNext(input: ClaimNextInput, waitMs: number, signal?: AbortSignal): Promise<ClaimResult | null> {
    const wait = Math.min(60, waitMs / 1000);
    const result = await this.request<ClaimResult | { task: null }>(
      'POST',
      '/api/v1/claim-next',
      { ...input, ...(wait > 0 ? { wait } : {}) },
      {
        timeoutMs: this.timeoutMs + waitMs,
        signal,
      },
    );
    return result.task === null ? null : (result as ClaimResult);
  }

  startTask({ taskId, ...rest }: StartTaskInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/start'), rest);
  }

  completeTask({ taskId, ...rest }: CompleteTaskInput): Promise<CompleteResult> {
    return this.request('POST', this.task(taskId, '/complete'), rest);
  }

  failTask({ taskId, ...rest }: FailTaskInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/fail'), rest);
  }

  releaseTask({ taskId, ...rest }: ReleaseTaskInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/release'), rest);
  }

  resetTask({ taskId, ...rest }: ResetTaskInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/reset'), rest);
  }

  cancelTask({ taskId, ...rest }: CancelTaskInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/cancel'), rest);
  }

  cleanAll(input: CleanAllInput): Promise<CleanAllResult> {
    return this.request('POST', '/api/v1/clean-all', input);
  }

  claimSlot(input: ClaimSlotInput): Promise<SlotResult> {
    return this.request('POST', '/api/v1/slots', input);
  }

  releaseSlot({ slot, ...rest }: ReleaseSlotInput): Promise<ReleaseSlotResult> {
    return this.request('POST', `/api/v1/slots/${slot}/release`, rest);
  }

  async listSlots(input: { project?: string }): Promise<SlotView[]> {
    return (await this.request<{ slots: SlotView[] }>('GET', `/api/v1/slots${this.query({ project: input.project })}`))
      .slots;
  }

  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    return this.request('POST', '/api/v1/heartbeat', input);
  }

  async askQuestion(input: AskQuestionInput): Promise<TaskResult> {
    return { task: (await this.ask(input, 0)).task };
  }

  ask(
    { taskId, ...rest }: AskQuestionInput,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ task: Task; answer: TaskAnswer | null }> {
    const wait = Math.min(60, waitMs / 1000);
    return this.request(
      'POST',
      this.task(taskId, '/questions'),
      { ...rest, ...(wait > 0 ? { wait } : {}) },
      {
        timeoutMs: this.timeoutMs + waitMs,
        signal,
      },
    );
  }

  addNote({ taskId, ...rest }: AddNoteInput): Promise<TaskResult> {
    return this.request('POST', this.task(taskId, '/notes'), rest);
  }

  reserveFiles({ taskId, ...rest }: ReserveFilesInput): Promise<ReservationsResult> {
    return this.request('POST', this.task(taskId, '/reservations'), rest);
  }

  releaseFiles({ taskId, ...rest }: ReleaseFilesInput): Promise<ReleasedResult> {
    return this.request('DELETE', this.task(taskId, '/reservations'), rest);
  }

  checkFiles(input: CheckFilesInput): Promise<CheckFilesResult> {
    return this.request('POST', '/api/v1/reservations/check', input);
  }
}
