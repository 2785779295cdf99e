// /api/v1 dispatched straight from the route table on node:http: the agents' hot path.
//
// Measured on the 2-core reference machine (npm run bench): Express's router and body-parser cost
// about a third of the server's CPU per claim-next/complete request, so /api/v1 skips them. The
// table (routes/v1/) stays the one place a route is declared; Express still serves the original
// endpoints, health, the OpenAPI document and the dashboard.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, type Store } from '@task-coordinator/core';
import { toDomainError, type Logger } from './errors.js';
import type { RequestGuard } from './security.js';
import { inputOf, Reply, ROUTES, STREAMED, type Route, type RouteMetrics } from '../routes/v1/index.js';
import { readBody, send, sendDomainError } from './respond.js';
import type { ThroughputSampler } from '../live/throughput.js';
import type { Wakeups } from '../live/wakeups.js';

interface Compiled {
  spec: Route;
  pattern: RegExp;
  params: string[];
}

const PREFIX = '/api/v1';

function compile(spec: Route): Compiled {
  const params: string[] = [];
  const source = spec.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { spec, pattern: new RegExp(`^${source}$`), params };
}

/** Query string → {key: value | values}. */
function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (search === '') return out;
  for (const [key, value] of new URLSearchParams(search)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

export interface V1Options {
  store: Store;
  wakeups: Wakeups;
  throughput: ThroughputSampler;
  guard: RequestGuard;
  log: Logger;
  /** The figures /stats reads, and where each request's latency goes (ops/metrics.ts). */
  metrics: RouteMetrics & { observeRequest(route: string, method: string, status: number, seconds: number): void };
  bodyLimitBytes: number;
}

/**
 * Returns a request handler that answers every /api/v1 request (including 404 and 405) and
 * returns false for any other path, so the caller hands it on.
 */
export function createV1Handler(options: V1Options): (req: IncomingMessage, res: ServerResponse) => boolean {
  const compiled = ROUTES.map(compile);

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> => {
    const started = process.hrtime.bigint();
    let operation = 'unmatched';
    res.once('finish', () =>
      options.metrics.observeRequest(
        operation,
        req.method ?? 'GET',
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    const refused = options.guard.check(req);
    if (refused) return sendDomainError(res, refused);
    if (!options.guard.authorized(req)) {
      return sendDomainError(
        res,
        new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'),
      );
    }
    const method = (req.method ?? 'GET').toLowerCase();
    let match: { route: Compiled; values: RegExpExecArray } | null = null;
    const allowed: string[] = [];
    for (const route of compiled) {
      const values = route.pattern.exec(path);
      if (!values) continue;
      if (route.spec.method === method) {
        match = { route, values };
        break;
      }
      allowed.push(route.spec.method.toUpperCase());
    }
    if (!match) {
      req.resume();
      if (allowed.length === 0) {
        // /tasks/a/b/complete: most likely a task id with a "/" that was not encoded.
        const hint = /^\/tasks\/[^/]+\/.+/.test(path)
          ? '; a task id containing "/" must be sent percent-encoded, as %2F (encodeURIComponent)'
          : '';
        return sendDomainError(res, new DomainError('NOT_FOUND', `no route for ${req.method} ${PREFIX}${path}${hint}`));
      }
      const error = new DomainError(
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed here; use ${allowed.join(' or ')}`,
      );
      return send(res, error.httpStatus, error.toBody(), { allow: allowed.join(', ') });
    }
    const { route, values } = match;
    operation = route.spec.operationId;
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(values[i + 1] as string);
      } catch {
        throw new DomainError('VALIDATION_FAILED', `malformed ${name} in the path`, {
          issues: [{ path: name, message: 'bad percent-encoding' }],
        });
      }
    });
    const body = method === 'get' ? undefined : await readBody(req, options.bodyLimitBytes);
    if (method === 'get') req.resume();
    const input = inputOf(route.spec, { query: parseQuery(search), params, body });
    const result = await route.spec.handle(
      { store: options.store, wakeups: options.wakeups, throughput: options.throughput, metrics: options.metrics, res },
      input,
      route.spec.from === 'body' && body === undefined,
    );
    // A long-poll whose client left has nobody to answer.
    if (res.writableEnded || res.destroyed) return;
    if (result === STREAMED) return;
    if (result instanceof Reply) send(res, result.status, result.body);
    else send(res, route.spec.status ?? 200, result);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (
      !url.startsWith(PREFIX) ||
      (url.length > PREFIX.length && url[PREFIX.length] !== '/' && url[PREFIX.length] !== '?')
    )
      return false;
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).slice(PREFIX.length) || '/';
    const search = q === -1 ? '' : url.slice(q + 1);
    handle(req, res, path, search).catch((error: unknown) => sendDomainError(res, toDomainError(error, options.log)));
    return true;
  };
}
