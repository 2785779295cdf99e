// /mcp: the same MCP tools over Streamable HTTP, one session per client, cleaned up on close and after idle.
//
// A session's worker id is the `X-Worker-Id` header of its first request, or `mcp-<session>`; its
// project the `X-Project` header, else the `?project=` query parameter, else "default". While a session is open the endpoint heartbeats
// for its worker every TTL/3, as the stdio client does, so an agent thinking for an hour keeps its
// claim. Closing a session (DELETE) gives back its worker's claims and slot, unless another open
// session speaks for the same worker; a session idle for `idleMs` is dropped and its claims then
// expire with their leases.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { DomainError, ProjectSchema, WorkerIdSchema, type Store } from '@task-coordinator/core';
import { registerTools, type ToolBackend } from '@task-coordinator/mcp-tools';
import type { Logger } from '../http/errors.js';
import type { RequestGuard } from '../http/security.js';
import { readBody, send, sendDomainError } from '../http/v1-handler.js';
import { runAs } from '../http/actor.js';
import { claimNextWaiting } from './claim-waiting.js';
import type { Wakeups } from './wakeups.js';

export interface McpEndpointOptions {
  store: Store;
  wakeups: Wakeups;
  guard: RequestGuard;
  log: Logger;
  version: string;
  bodyLimitBytes: number;
  /** Drop a session after this long without a request. */
  idleMs?: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  workerId: string;
  project: string;
  lastSeen: number;
}

/** The store as the tools see it: its own methods, plus claim-next with a wait. */
export function storeBackend(store: Store, wakeups: Wakeups): ToolBackend {
  return {
    addTasks: (input) => store.addTasks(input),
    listTasks: (query) => store.listTasks(query),
    getTask: (input) => store.getTask(input),
    taskHistory: (query) => store.taskHistory(query),
    claimTask: (input) => store.claimTask(input),
    claimNext: (input, waitMs, signal) =>
      waitMs > 0 ? claimNextWaiting(store, wakeups, input, waitMs, signal ?? new AbortController().signal) : store.claimNextTask(input),
    startTask: (input) => store.startTask(input),
    completeTask: (input) => store.completeTask(input),
    failTask: (input) => store.failTask(input),
    releaseTask: (input) => store.releaseTask(input),
    resetTask: (input) => store.resetTask(input),
    cancelTask: (input) => store.cancelTask(input),
    cleanAll: (input) => store.cleanAll(input),
    claimSlot: (input) => store.claimSlot(input),
    releaseSlot: (input) => store.releaseSlot(input),
    listSlots: (input) => store.listSlots(input),
    heartbeat: (input) => store.heartbeat(input),
  };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  send(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

export function createMcpEndpoint(options: McpEndpointOptions) {
  const sessions = new Map<string, Session>();
  const backend = storeBackend(options.store, options.wakeups);
  const idleMs = options.idleMs ?? 30 * 60_000;

  const closeSession = async (id: string, giveBack: boolean) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    const shared = [...sessions.values()].some((other) => other.workerId === session.workerId && other.project === session.project);
    if (giveBack && !shared) {
      const mine = (await options.store.listSlots({ project: session.project })).filter((s) => s.worker === session.workerId);
      for (const slot of mine) {
        await options.store.releaseSlot({ project: session.project, slot: slot.slot, workerId: session.workerId }).catch(() => undefined);
      }
    }
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  };

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) if (now - session.lastSeen > idleMs) void closeSession(id, false);
  }, Math.max(50, Math.min(60_000, Math.floor(idleMs / 2))));
  sweeper.unref();

  const heartbeats = setInterval(() => {
    const beaten = new Set<string>();
    for (const session of sessions.values()) {
      const key = `${session.project}\u0000${session.workerId}`;
      if (beaten.has(key)) continue;
      beaten.add(key);
      void options.store.heartbeat({ project: session.project, workerId: session.workerId }).catch((error: unknown) => options.log('mcp heartbeat failed', error));
    }
  }, Math.max(1000, Math.floor(options.store.config.leaseTtlMs / 3)));
  heartbeats.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = options.guard.check(req);
    if (refused) return sendDomainError(res, refused);
    if (!options.guard.authorized(req)) {
      return sendDomainError(res, new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'));
    }
    const body = req.method === 'POST' ? await readBody(req, options.bodyLimitBytes, true) : undefined;
    const id = header(req, 'mcp-session-id');
    const existing = id === undefined ? undefined : sessions.get(id);
    if (existing) {
      existing.lastSeen = Date.now();
      // The tools run inside this call: their changes are recorded as the session's worker.
      await runAs({ token: options.guard.identify(req).tokenName, worker: existing.workerId }, () => existing.transport.handleRequest(req, res, body));
      return;
    }
    if (id !== undefined) return jsonRpcError(res, 404, 'unknown or expired MCP session; start a new one');
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, 'no MCP session: send an initialize request first');
    }

    const workerHeader = header(req, 'x-worker-id');
    // The project: X-Project, or ?project= for clients that cannot set headers (one URL per project).
    const projectParam = new URL(req.url ?? '/', 'http://localhost').searchParams.get('project') ?? undefined;
    const projectHeader = header(req, 'x-project') ?? projectParam;
    if (workerHeader !== undefined && !WorkerIdSchema.safeParse(workerHeader).success) {
      return sendDomainError(res, new DomainError('VALIDATION_FAILED', 'invalid X-Worker-Id header'));
    }
    if (projectHeader !== undefined && !ProjectSchema.safeParse(projectHeader).success) {
      return sendDomainError(res, new DomainError('VALIDATION_FAILED', 'invalid project (X-Project header or ?project=)'));
    }
    const sessionId = randomUUID();
    const session: Session = {
      workerId: workerHeader ?? `mcp-${sessionId.slice(0, 8)}`,
      project: projectHeader ?? 'default',
      lastSeen: Date.now(),
      server: new McpServer({ name: 'task-coordinator', version: options.version }, { capabilities: { tools: {} } }),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => sessionId,
        onsessioninitialized: (sid) => {
          sessions.set(sid, session);
        },
        onsessionclosed: (sid) => closeSession(sid, true),
      }),
    };
    registerTools(session.server, { backend, workerId: () => session.workerId, project: session.project });
    session.transport.onclose = () => {
      sessions.delete(sessionId);
    };
    await session.server.connect(session.transport);
    await runAs({ token: options.guard.identify(req).tokenName, worker: session.workerId }, () => session.transport.handleRequest(req, res, body));
  };

  return {
    /** Answers /mcp (and returns true), or returns false for any other path. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const url = req.url ?? '/';
      if (url !== '/mcp' && !url.startsWith('/mcp?') && !url.startsWith('/mcp/')) return false;
      handle(req, res).catch((error: unknown) => {
        if (error instanceof DomainError) sendDomainError(res, error);
        else {
          options.log('mcp request failed', error);
          if (!res.headersSent) jsonRpcError(res, 500, 'internal error');
        }
      });
      return true;
    },
    get sessions(): number {
      return sessions.size;
    },
    async close(): Promise<void> {
      clearInterval(sweeper);
      clearInterval(heartbeats);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, false)));
    },
  };
}
