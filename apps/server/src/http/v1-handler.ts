// /api/v1 dispatched straight from the route table on node:http: the agents' hot path.
//
// Measured on the 2-core reference machine (npm run bench): Express's router and body-parser cost
// about a third of the server's CPU per claim-next/complete request, so /api/v1 skips them. The
// table (routes/v1.ts) stays the one place a route is declared; Express still serves the original
// endpoints, health, the OpenAPI document and the dashboard.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, type Store } from '@task-coordinator/core';
import { toDomainError, type Logger } from './errors.js';
import type { RequestGuard } from './security.js';
import { inputOf, Reply, ROUTES, type RouteSpec } from '../routes/v1.js';
import type { ThroughputSampler } from '../live/throughput.js';
import type { Wakeups } from '../live/wakeups.js';
import type { Metrics } from '../ops/metrics.js';

interface Compiled {
  spec: RouteSpec;
  pattern: RegExp;
  params: string[];
}

const PREFIX = '/api/v1';

function compile(spec: RouteSpec): Compiled {
  const params: string[] = [];
  const source = spec.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { spec, pattern: new RegExp(`^${source}$`), params };
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...HEADERS, ...extra, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

export function sendDomainError(res: ServerResponse, error: DomainError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Record<string, string> = {};
  if (error.code === 'UNAUTHORIZED') extra['www-authenticate'] = 'Bearer realm="task-coordinator"';
  if (error.code === 'STORE_BUSY' || error.code === 'STORE_UNAVAILABLE') extra['retry-after'] = '1';
  send(res, error.httpStatus, error.toBody(), extra);
}

function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string') return false;
  const mime = (type.split(';')[0] as string).trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/**
 * Reads a JSON body up to `limit` bytes. A body declared as another type is ignored, as Express
 * does, unless `anyType` (MCP: the transport speaks JSON whatever the header says).
 */
export function readBody(req: IncomingMessage, limit: number, anyType = false): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new DomainError('PAYLOAD_TOO_LARGE', `request body is over the ${limit} byte limit`, { limit }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new DomainError('PAYLOAD_TOO_LARGE', `request body is over the ${limit} byte limit`, { limit }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0 || (!anyType && !isJson(req))) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch {
        reject(new DomainError('VALIDATION_FAILED', 'request body is not valid JSON', { issues: [{ path: '(body)', message: 'invalid JSON' }] }));
      }
    });
    req.on('error', () => {
      if (!failed) reject(new DomainError('VALIDATION_FAILED', 'request aborted by the client'));
      failed = true;
    });
  });
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
  metrics: Metrics;
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
    res.once('finish', () => options.metrics.observeRequest(operation, req.method ?? 'GET', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
    const refused = options.guard.check(req);
    if (refused) return sendDomainError(res, refused);
    if (!options.guard.authorized(req)) {
      return sendDomainError(res, new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'));
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
      if (allowed.length === 0) return sendDomainError(res, new DomainError('NOT_FOUND', `no route for ${req.method} ${PREFIX}${path}`));
      const error = new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allowed.join(' or ')}`);
      return send(res, error.httpStatus, error.toBody(), { allow: allowed.join(', ') });
    }
    const { route, values } = match;
    operation = route.spec.operationId;
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(values[i + 1] as string);
      } catch {
        throw new DomainError('VALIDATION_FAILED', `malformed ${name} in the path`, { issues: [{ path: name, message: 'bad percent-encoding' }] });
      }
    });
    const body = method === 'get' ? undefined : await readBody(req, options.bodyLimitBytes);
    if (method === 'get') req.resume();
    const input = inputOf(route.spec, { query: parseQuery(search), params, body });
    const result = await route.spec.run({ store: options.store, wakeups: options.wakeups, throughput: options.throughput, metrics: options.metrics, res }, input);
    // A long-poll whose client left has nobody to answer.
    if (res.writableEnded || res.destroyed) return;
    if (result instanceof Reply) send(res, result.status, result.body);
    else send(res, route.spec.status ?? 200, result);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(PREFIX) || (url.length > PREFIX.length && url[PREFIX.length] !== '/' && url[PREFIX.length] !== '?')) return false;
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).slice(PREFIX.length) || '/';
    const search = q === -1 ? '' : url.slice(q + 1);
    handle(req, res, path, search).catch((error: unknown) => sendDomainError(res, toDomainError(error, options.log)));
    return true;
  };
}
