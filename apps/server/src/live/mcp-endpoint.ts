// /mcp: the same MCP tools over Streamable HTTP, one session per client, cleaned up on close and after idle.
//
// A session's worker id is the `X-Worker-Id` header of its first request, or `mcp-<session>`; its
// project the `X-Project` header, else the `?project=` query parameter, else "default".
//
// A session's leases are renewed only while its client shows signs of life: each request renews them,
// and while the client keeps a connection open (the GET event stream Claude Code and the SDK's client
// hold for the whole session, or a long claim_next_task) they are renewed every TTL/3, so an agent
// thinking for an hour keeps its claim. A client that goes away without DELETE (a killed process, MCP
// Inspector closing its tab) closes its connections: nothing renews its leases after that, and its work
// comes back within one lease TTL of its last sign of life. Closing a session (DELETE) gives back its
// worker's claims and slot at once, unless another open session speaks for the same worker; a session
// with no sign of life for `idleMs` is dropped.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { DomainError, ProjectOrDefaultSchema, WorkerIdSchema, type Store } from '@task-coordinator/core';
import { createToolServer, parseProfile, type ToolBackend, type ToolProfile } from '@task-coordinator/mcp-tools';
import type { Logger } from '../http/errors.js';
import type { RequestGuard } from '../http/security.js';
import { readBody, send, sendDomainError } from '../http/respond.js';
import { runAs } from '../http/actor.js';
import { claimNextWaiting } from './claim-waiting.js';
import { askWaiting } from './answer-waiting.js';
import type { Wakeups } from './wakeups.js';

export interface McpEndpointOptions {
  store: Store;
  wakeups: Wakeups;
  guard: RequestGuard;
  log: Logger;
  version: string;
  bodyLimitBytes: number;
  /** Drop a session after this long without a sign of life. */
  idleMs?: number;
  /** The clock leases are measured with (the store's); injected by tests. */
  clock?: () => number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  workerId: string;
  project: string;
  /** The last sign of life: a request arriving, or a connection of this session closing. */
  lastSeen: number;
  /** Requests and event streams of this session still open: the client is there. */
  open: number;
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
      waitMs > 0
        ? claimNextWaiting(store, wakeups, input, waitMs, signal ?? new AbortController().signal)
        : store.claimNextTask(input),
    startTask: (input) => store.startTask(input),
    askQuestion: (input) => store.askQuestion(input),
    ask: (input, waitMs, signal) => askWaiting(store, input, waitMs, signal ?? new AbortController().signal),
    addNote: (input) => store.addNote(input),
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
    reserveFiles: (input) => store.reserveFiles(input),
    releaseFiles: (input) => store.releaseFiles(input),
    checkFiles: (input) => store.checkFiles(input),
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
  const now = options.clock ?? Date.now;
  const beatMs = Math.max(1000, Math.floor(options.store.config.leaseTtlMs / 3));
  const keyOf = (session: Session) => `${session.project}\u0000${session.workerId}`;
  /** When each worker's leases were last renewed from here (store clock). */
  const lastBeat = new Map<string, number>();

  const beat = async (session: Session) => {
    lastBeat.set(keyOf(session), now());
    await options.store
      .heartbeat({ project: session.project, workerId: session.workerId })
      .catch((error: unknown) => options.log('mcp heartbeat failed', error));
  };

  /** A renewal is due once TTL/6 has passed since the last: a lease never gets below 5/6 of its TTL. */
  const beatDue = (session: Session) => {
    const last = lastBeat.get(keyOf(session));
    return last === undefined || now() - last >= beatMs / 2;
  };

  /**
   * A request arrived: the client is alive. Renews its worker's leases (at most every TTL/6); the promise settles
   * when that renewal is stored (at once when none was due).
   */
  const signOfLife = (session: Session, res: ServerResponse): Promise<void> => {
    session.lastSeen = now();
    session.open++;
    res.once('close', () => {
      session.open--;
      session.lastSeen = now();
    });
    return beatDue(session) ? beat(session) : Promise.resolve();
  };

  /**
   * Renews the leases of every worker with a session whose client still holds a connection open, when due
   * (the sweep calls this every second; renewing more often would be a write a second per connected agent).
   */
  const renewLive = async () => {
    const live = new Map<string, Session>();
    for (const session of sessions.values())
      if (session.open > 0 && beatDue(session)) live.set(keyOf(session), session);
    await Promise.all([...live.values()].map(beat));
  };

  const closeSession = async (id: string, giveBack: boolean) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    const shared = [...sessions.values()].some(
      (other) => other.workerId === session.workerId && other.project === session.project,
    );
    if (giveBack && !shared) {
      const mine = (await options.store.listSlots({ project: session.project })).filter(
        (s) => s.worker === session.workerId,
      );
      for (const slot of mine) {
        await options.store
          .releaseSlot({ project: session.project, slot: slot.slot, workerId: session.workerId })
          .catch(() => undefined);
      }
    }
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  };

  const sweeper = setInterval(
    () => {
      const at = now();
      for (const [id, session] of sessions) {
        if (session.open === 0 && at - session.lastSeen > idleMs) void closeSession(id, false);
      }
    },
    Math.max(50, Math.min(60_000, Math.floor(idleMs / 2))),
  );
  sweeper.unref();

  const heartbeats = setInterval(() => void renewLive(), beatMs);
  heartbeats.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = options.guard.check(req);
    if (refused) return sendDomainError(res, refused);
    if (!options.guard.authorized(req)) {
      return sendDomainError(
        res,
        new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'),
      );
    }
    const body = req.method === 'POST' ? await readBody(req, options.bodyLimitBytes, true) : undefined;
    const id = header(req, 'mcp-session-id');
    const existing = id === undefined ? undefined : sessions.get(id);
    if (existing) {
      void signOfLife(existing, res);
      // The tools run inside this call: their changes are recorded as the session's worker.
      await runAs({ token: options.guard.identify(req).auditName, worker: existing.workerId }, () =>
        existing.transport.handleRequest(req, res, body),
      );
      return;
    }
    if (id !== undefined) return jsonRpcError(res, 404, 'unknown or expired MCP session; start a new one');
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, 'no MCP session: send an initialize request first');
    }

    const workerHeader = header(req, 'x-worker-id');
    // The project: X-Project, or ?project= for clients that cannot set headers (one URL per project).
    const projectParam = new URL(req.url ?? '/', 'http://localhost').searchParams.get('project') ?? undefined;
    const project = ProjectOrDefaultSchema.safeParse(header(req, 'x-project') ?? projectParam);
    if (workerHeader !== undefined && !WorkerIdSchema.safeParse(workerHeader).success) {
      return sendDomainError(res, new DomainError('VALIDATION_FAILED', 'invalid X-Worker-Id header'));
    }
    if (!project.success) {
      return sendDomainError(
        res,
        new DomainError('VALIDATION_FAILED', 'invalid project (X-Project header or ?project=)'),
      );
    }
    // The tool profile: ?tools=core|full|original (default full).
    let profile: ToolProfile;
    try {
      profile = parseProfile(new URL(req.url ?? '/', 'http://localhost').searchParams.get('tools'));
    } catch (error) {
      return sendDomainError(res, error as DomainError);
    }
    const sessionId = randomUUID();
    const session: Session = {
      workerId: workerHeader ?? `mcp-${sessionId.slice(0, 8)}`,
      project: project.data,
      lastSeen: now(),
      open: 0,
      server: createToolServer(
        { name: 'task-coordinator', version: options.version, profile },
        { backend, workerId: () => session.workerId, project: project.data },
      ),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => sessionId,
        onsessioninitialized: (sid) => {
          sessions.set(sid, session);
        },
        onsessionclosed: (sid) => closeSession(sid, true),
      }),
    };
    session.transport.onclose = () => {
      sessions.delete(sessionId);
    };
    await session.server.connect(session.transport);
    // A new session's worker has its leases renewed before the session answers: what it sees is already renewed.
    await signOfLife(session, res);
    await runAs({ token: options.guard.identify(req).auditName, worker: session.workerId }, () =>
      session.transport.handleRequest(req, res, body),
    );
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
    /** Sessions whose client holds a connection open (their leases are being renewed). */
    get liveSessions(): number {
      return [...sessions.values()].filter((session) => session.open > 0).length;
    },
    /** Renews the leases of the live sessions now (the server's sweep runs it before expiring leases). */
    renewLive,
    async close(): Promise<void> {
      clearInterval(sweeper);
      clearInterval(heartbeats);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, false)));
    },
  };
}
