// The REST client of tcx: one JSON request at a time to the server's /api/v1, errors rebuilt as DomainErrors.
import { DomainError } from '@task-coordinator/core';

export interface ApiOptions {
  /** The server, e.g. http://localhost:3335. */
  url: string;
  token: string | null;
  /** Sent as X-Worker-Id, so the audit trail names who made each change. */
  workerId?: string | undefined;
  /** Longest wait for an answer; a long-poll adds its own wait on top. */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export class Api {
  readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private unreachable(detail: string): DomainError {
    return new DomainError(
      'SERVER_UNAVAILABLE',
      `cannot reach the Task Coordinator server at ${this.base} (${detail})`,
      { url: this.base },
    );
  }

  get<T>(path: string, query: Query = {}, extra: { waitMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    return this.request<T>('GET', `${path}${queryString(query)}`, undefined, extra);
  }

  post<T>(path: string, body: unknown = {}, extra: { waitMs?: number } = {}): Promise<T> {
    return this.request<T>('POST', path, body, extra);
  }

  /** A response body as text (exports), for paths that answer something other than JSON. */
  async text(path: string, query: Query = {}): Promise<string> {
    const res = await this.fetch('GET', `${path}${queryString(query)}`, undefined, {});
    const text = await res.text();
    if (!res.ok) throw this.errorOf(res.status, text);
    return text;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await this.fetch(method, path, body, extra);
    const text = await res.text().catch(() => '');
    if (!res.ok) throw this.errorOf(res.status, text);
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch {
      throw this.unreachable(
        `answered HTTP ${res.status} with something that is not JSON; is this the Task Coordinator?`,
      );
    }
  }

  private async fetch(
    method: string,
    path: string,
    body: unknown,
    extra: { waitMs?: number; signal?: AbortSignal },
  ): Promise<Response> {
    const limit = this.timeoutMs + (extra.waitMs ?? 0);
    const timeout = AbortSignal.timeout(limit);
    const signal = extra.signal ? AbortSignal.any([timeout, extra.signal]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.workerId && /^[\x20-\x7e]+$/.test(this.options.workerId))
      headers['x-worker-id'] = this.options.workerId;
    try {
      return await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers,
        signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      if (extra.signal?.aborted) throw new DomainError('VALIDATION_FAILED', 'cancelled');
      if (timeout.aborted) throw this.unreachable(`no answer within ${Math.round(limit / 1000)} s`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw this.unreachable(cause?.code ?? cause?.message ?? (error as Error).message);
    }
  }

  private errorOf(status: number, text: string): DomainError {
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: handled below
    }
    const error = DomainError.fromBody(parsed);
    if (error.code === 'INTERNAL' && !(parsed as { error?: unknown } | null)?.error)
      return this.unreachable(`answered HTTP ${status}; is this the Task Coordinator?`);
    return error;
  }
}

export const encodeId = encodeURIComponent;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
