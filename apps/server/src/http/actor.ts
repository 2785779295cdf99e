// Who the request being served is: the store reads it when a command starts, for the audit trail.
//
// AsyncLocalStorage carries it from the request to the store call without threading it through
// every route, tool and store method; core only sees an injected `actor()` function (it stays pure).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { WorkerIdSchema, type Actor } from '@task-coordinator/core';
import type { RequestGuard } from './security.js';

const current = new AsyncLocalStorage<Actor>();

/** The actor of the request being served, or null outside one (the sweeper, startup). */
export function currentActor(): Actor | null {
  return current.getStore() ?? null;
}

/** Runs `fn` as `actor`. */
export function runAs<T>(actor: Actor, fn: () => T): T {
  return current.run(actor, fn);
}

/**
 * A request's actor: the named token it presented, and the worker it says it speaks for: the
 * `X-Worker-Id` header (sent by task-coordinator-mcp), else none (the event's own workerId, when
 * the command has one, still says which worker it acted on).
 */
export function actorOf(req: IncomingMessage, guard: RequestGuard): Actor {
  const header = req.headers['x-worker-id'];
  const worker = typeof header === 'string' && WorkerIdSchema.safeParse(header).success ? header : null;
  return { token: guard.identify(req).auditName, worker };
}
