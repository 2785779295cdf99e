// The original endpoints' plain requests answered straight on node:http, from the route table that
// Express also serves (routes/legacy.ts): the original workload's hot path.
//
// Express's router, body-parser and res.json cost about as much CPU per original request as the
// command itself. A request takes this path only when its shape leaves nothing for Express to
// decide: an exact path of the table, GET with no body or POST with no body or a plain JSON body
// (UTF-8, not compressed). Anything else (HEAD, a query string, a trailing slash, other casing,
// another content type, a compressed body, an unknown path) goes to Express, which answers it as
// before. The checks and answers are those of the Express path: Host/Origin and the token first,
// then the body, errors as {success:false,error,code}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, type Store } from '@task-coordinator/core';
import { toDomainError, type Logger } from './errors.js';
import type { RequestGuard } from './security.js';
import { readBody, send, sendDomainError } from './respond.js';
import { isSnapshotBody, LEGACY_ROUTES, legacyContext, SUCCESS, type LegacyRoute } from '../routes/legacy.js';
import { serializeOnce } from '../snapshot/serialized.js';
import type { Snapshots } from '../snapshot/snapshots.js';

export interface LegacyHandlerOptions {
  store: Store;
  snapshots: Snapshots | null;
  guard: RequestGuard;
  log: Logger;
  legacyLeaseTtlMs: number;
  bodyLimitBytes: number;
}

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

// `{"success":true}` is sent as the same bytes every time.
serializeOnce(SUCCESS);

/** {success:false,error,code} with the route's status and headers, as the Express path answers (errors.ts sendError). */
function sendLegacyError(res: ServerResponse, error: DomainError): void {
  sendDomainError(res, error, { success: false, error: error.message, code: error.code });
}

/**
 * How the request's body is read here: 'none' (no body), 'json' (a plain JSON body), or null when
 * Express must decide (it reads bodies of other types, compressed bodies, other charsets its own way).
 */
function bodyShape(req: IncomingMessage): 'none' | 'json' | null {
  const headers = req.headers;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return 'none';
  if (req.method !== 'POST') return null;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return null;
  const type = headers['content-type'];
  if (type === undefined) return null;
  const semicolon = type.indexOf(';');
  const mime = (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  if (mime !== 'application/json' && !(mime.startsWith('application/') && mime.endsWith('+json'))) return null;
  if (semicolon !== -1) {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return null;
  }
  return 'json';
}

/**
 * Returns a handler that answers the plain requests of the original endpoints and returns false for
 * anything else, so the caller hands it on to Express.
 */
export function createLegacyHandler(
  options: LegacyHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const context = legacyContext(options.store, options.legacyLeaseTtlMs, options.snapshots);
  const routes = new Map<string, LegacyRoute>();
  for (const route of LEGACY_ROUTES) routes.set(`${route.method.toUpperCase()} /api${route.path}`, route);

  const handle = async (req: IncomingMessage, res: ServerResponse, route: LegacyRoute, json: boolean) => {
    const refused = options.guard.check(req);
    if (refused) {
      req.resume();
      return sendLegacyError(res, refused);
    }
    if (!options.guard.authorized(req)) {
      req.resume();
      return sendLegacyError(
        res,
        new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'),
      );
    }
    let body: unknown;
    if (json) body = await readBody(req, options.bodyLimitBytes, true);
    else req.resume();
    const answer = await route.handle(context, body);
    if (res.writableEnded || res.destroyed) return;
    if (!isSnapshotBody(answer)) return send(res, 200, answer);
    // The snapshot's bytes as they are, piece after piece: nothing serialised or copied per request.
    const { pieces, length } = answer.legacyBody;
    res.writeHead(200, { ...HEADERS, 'content-length': length });
    for (const piece of pieces) res.write(piece);
    res.end();
  };

  return (req, res) => {
    const route = routes.get(`${req.method} ${req.url}`);
    if (route === undefined) return false;
    const shape = bodyShape(req);
    if (shape === null) return false;
    handle(req, res, route, shape === 'json').catch((error: unknown) =>
      sendLegacyError(res, toDomainError(error, options.log)),
    );
    return true;
  };
}
